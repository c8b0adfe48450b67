// A HEIF file's item references, read before libheif decodes anything.
//
// Why: libheif 1.15 (Debian 12's) follows a grid's tiles ('dimg') and an image's alpha ('auxl')
// without looking for cycles; libheif 1.16 added the check. A grid that names itself as its own
// tile recurses until the process dies: each level starts a decoding thread, and the
// std::system_error thrown when none is left ends the process (a 908-byte file did it, now
// in Fuzz/Corpus/heic). Nested grids without a cycle can still ask for millions of tile decodes.
// So the references are read here, from the boxes, and a cycle or too many decodes is refused.
#include "codecs_internal.h"
#include <stdlib.h>
#include <string.h>

/// Tile decodes one image may ask for: a 100-megapixel photo in 256-pixel tiles needs about 1,500.
#define OSS_HEIF_MAX_DECODES 16384

typedef struct {
    uint32_t from, to;
    int auxiliary; // 'auxl' (an auxiliary image of `from`), else 'dimg' (an input of `from`)
} oss_heif_edge;

typedef struct {
    const uint8_t *data;
    size_t size;
} oss_span;

static uint32_t oss_be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint32_t oss_be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

/// The next box of `span` at `*offset`: its type and body. 0 at the end or on a malformed size.
static int oss_next_box(oss_span span, size_t *offset, uint32_t *type, oss_span *body) {
    size_t at = *offset;
    if (at > span.size || span.size - at < 8) return 0;
    uint64_t box = oss_be32(span.data + at);
    size_t header = 8;
    *type = oss_be32(span.data + at + 4);
    if (box == 1) {
        if (span.size - at < 16) return 0;
        box = (uint64_t)oss_be32(span.data + at + 8) << 32 | oss_be32(span.data + at + 12);
        header = 16;
    } else if (box == 0) {
        box = span.size - at;
    }
    if (box < header || box > span.size - at) return 0;
    body->data = span.data + at + header;
    body->size = (size_t)box - header;
    *offset = at + (size_t)box;
    return 1;
}

#define OSS_FOURCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static int oss_edge_order(const void *a, const void *b) {
    const oss_heif_edge *x = a, *y = b;
    if (x->from != y->from) return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : (x->to > y->to);
}

/// Reads the edges "decoding `from` decodes `to`" of every 'iref' in `meta`'s body: a grid or
/// other derived image to its inputs ('dimg'), and an image to its auxiliary images ('auxl' points
/// from the auxiliary image to its master, so the edge is reversed). Returns the count, or -1.
static long oss_heif_read_edges(oss_span meta, oss_heif_edge **edges, uint32_t *primary) {
    *edges = NULL;
    *primary = 0;
    if (meta.size < 4) return 0;
    oss_span children = { meta.data + 4, meta.size - 4 }; // a FullBox: version and flags first
    // Every reference takes at least two bytes of the file, so this bounds the count.
    size_t capacity = meta.size / 2 + 1;
    oss_heif_edge *list = malloc(capacity * sizeof *list);
    if (!list) return -1;
    long count = 0;
    size_t offset = 0;
    uint32_t type;
    oss_span box;
    while (oss_next_box(children, &offset, &type, &box)) {
        if (type == OSS_FOURCC('p', 'i', 't', 'm') && box.size >= 4) {
            int wide = box.data[0] != 0;
            if (box.size >= (size_t)(wide ? 8 : 6)) *primary = wide ? oss_be32(box.data + 4) : oss_be16(box.data + 4);
            continue;
        }
        if (type != OSS_FOURCC('i', 'r', 'e', 'f') || box.size < 4) continue;
        int wide = box.data[0] != 0;
        size_t id_bytes = wide ? 4 : 2;
        // Read as libheif 1.15 reads them (Box_iref::parse): each reference's box header, then its
        // fields one after another to the end of the 'iref', whatever size the header claims. A
        // size past the 'iref' made this reader (which honoured it) see no reference at all,
        // while libheif still followed the grid to itself (the fuzzer found it, one byte moved).
        const uint8_t *at = box.data + 4, *end = box.data + box.size;
        while (end - at >= 8) {
            uint32_t claimed = oss_be32(at), kind = oss_be32(at + 4);
            at += 8;
            if (claimed == 1) {
                if (end - at < 8) break;
                at += 8; // a 64-bit size, as ignored as the 32-bit one
            }
            if (kind == OSS_FOURCC('u', 'u', 'i', 'd')) {
                if (end - at < 16) break;
                at += 16;
            }
            if ((size_t)(end - at) < id_bytes + 2) break;
            uint32_t from = wide ? oss_be32(at) : oss_be16(at);
            size_t targets = oss_be16(at + id_bytes);
            at += id_bytes + 2;
            int is_dimg = kind == OSS_FOURCC('d', 'i', 'm', 'g'), is_auxl = kind == OSS_FOURCC('a', 'u', 'x', 'l');
            for (size_t i = 0; i < targets && (size_t)(end - at) >= id_bytes; i++) {
                uint32_t to = wide ? oss_be32(at) : oss_be16(at);
                at += id_bytes;
                if ((is_dimg || is_auxl) && (size_t)count < capacity)
                    list[count++] = is_dimg ? (oss_heif_edge){ from, to, 0 } : (oss_heif_edge){ to, from, 1 };
            }
        }
    }
    qsort(list, (size_t)count, sizeof *list, oss_edge_order);
    *edges = list;
    return count;
}

/// The index of the first edge from `item` in the sorted list (or where it would be).
static size_t oss_first_edge(const oss_heif_edge *edges, size_t count, uint32_t item) {
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (edges[middle].from < item) low = middle + 1;
        else high = middle;
    }
    return low;
}

/// Whether `item` is in the sorted, distinct `items`; its index in `*index`.
static int oss_find_item(const uint32_t *items, size_t count, uint32_t item, size_t *index) {
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (items[middle] < item) low = middle + 1;
        else high = middle;
    }
    *index = low;
    return low < count && items[low] == item;
}

static int oss_u32_order(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : (x > y);
}

/// 0 when the references are acyclic and the primary image needs at most OSS_HEIF_MAX_DECODES
/// decodes; otherwise -1 and a message. A walk without recursion: its depth is the input's.
static int oss_heif_walk(const oss_heif_edge *edges, size_t count, uint32_t primary, char *message) {
    if (count == 0) return 0;
    size_t nodes = 0;
    uint32_t *items = malloc(2 * count * sizeof *items);
    uint8_t *state = NULL;   // 0 unseen, 1 on the walk's path, 2 done
    uint64_t *decodes = NULL; // decodes an item costs, capped at OSS_HEIF_MAX_DECODES + 1
    size_t *stack = NULL, *next = NULL;
    int status = -1;
    if (!items) goto out_of_memory;
    for (size_t i = 0; i < count; i++) {
        items[nodes++] = edges[i].from;
        items[nodes++] = edges[i].to;
    }
    qsort(items, nodes, sizeof *items, oss_u32_order);
    size_t distinct = 0;
    for (size_t i = 0; i < nodes; i++)
        if (distinct == 0 || items[distinct - 1] != items[i]) items[distinct++] = items[i];
    nodes = distinct;
    state = calloc(nodes, 1);
    decodes = calloc(nodes, sizeof *decodes);
    stack = malloc(nodes * sizeof *stack);
    next = malloc(nodes * sizeof *next); // per item on the path: its next edge to follow
    if (!state || !decodes || !stack || !next) goto out_of_memory;
    for (size_t root = 0; root < nodes; root++) {
        if (state[root] != 0) continue;
        size_t depth = 0;
        stack[depth++] = root;
        state[root] = 1;
        next[root] = oss_first_edge(edges, count, items[root]);
        while (depth > 0) {
            size_t node = stack[depth - 1];
            size_t edge = next[node];
            if (edge < count && edges[edge].from == items[node]) {
                next[node] = edge + 1;
                size_t child;
                oss_find_item(items, nodes, edges[edge].to, &child);
                if (state[child] == 1) {
                    OSS_FAIL(message, "invalid HEIF: image item %u refers back to itself through its tiles or auxiliary images", items[child]);
                    goto done;
                }
                if (state[child] == 0) {
                    state[child] = 1;
                    next[child] = oss_first_edge(edges, count, items[child]);
                    stack[depth++] = child;
                }
                continue;
            }
            // Every edge followed: a derived image costs its inputs' decodes (a coded image
            // costs one), and its auxiliary images' on top.
            uint64_t inputs = 0, auxiliary = 0;
            int derived = 0;
            for (size_t e = oss_first_edge(edges, count, items[node]); e < count && edges[e].from == items[node]; e++) {
                size_t child;
                oss_find_item(items, nodes, edges[e].to, &child);
                // Each term is at most the cap + 1, and the sums are capped as they grow.
                if (edges[e].auxiliary) auxiliary += decodes[child];
                else {
                    inputs += decodes[child];
                    derived = 1;
                }
                if (inputs > OSS_HEIF_MAX_DECODES) inputs = OSS_HEIF_MAX_DECODES + 1;
                if (auxiliary > OSS_HEIF_MAX_DECODES) auxiliary = OSS_HEIF_MAX_DECODES + 1;
            }
            uint64_t total = (derived ? inputs : 1) + auxiliary;
            decodes[node] = total > OSS_HEIF_MAX_DECODES ? OSS_HEIF_MAX_DECODES + 1 : total;
            state[node] = 2;
            depth--;
        }
    }
    size_t index;
    if (primary != 0 && oss_find_item(items, nodes, primary, &index) && decodes[index] > OSS_HEIF_MAX_DECODES) {
        OSS_FAIL(message, "invalid HEIF: the primary image needs more than %d tile decodes", OSS_HEIF_MAX_DECODES);
        goto done;
    }
    status = 0;
    goto done;
out_of_memory:
    OSS_FAIL(message, "out of memory");
done:
    free(items);
    free(state);
    free(decodes);
    free(stack);
    free(next);
    return status;
}

/// A big-endian number of `bytes` (0, 2, 4 or 8) at `*at` in `span`, moving past it; 0 when out of
/// bounds (then `*ok` is cleared).
static uint64_t oss_read_be(oss_span span, size_t *at, size_t bytes, int *ok) {
    if (bytes > 8 || *at > span.size || span.size - *at < bytes) {
        *ok = 0;
        return 0;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; i++) value = value << 8 | span.data[*at + i];
    *at += bytes;
    return value;
}

/// The item IDs of type 'grid' in `iinf`'s body, into `grids` (at most `capacity`); their count.
static size_t oss_heif_grid_items(oss_span iinf, uint32_t *grids, size_t capacity) {
    if (iinf.size < 4) return 0;
    size_t at = 4 + (iinf.data[0] == 0 ? 2 : 4); // FullBox header, then the entry count
    if (at > iinf.size) return 0;
    oss_span entries = { iinf.data + at, iinf.size - at };
    size_t offset = 0, found = 0;
    uint32_t type;
    oss_span infe;
    while (found < capacity && oss_next_box(entries, &offset, &type, &infe)) {
        if (type != OSS_FOURCC('i', 'n', 'f', 'e') || infe.size < 4 || infe.data[0] < 2) continue;
        int ok = 1;
        size_t p = 4;
        uint32_t id = (uint32_t)oss_read_be(infe, &p, infe.data[0] == 2 ? 2 : 4, &ok);
        (void)oss_read_be(infe, &p, 2, &ok); // item_protection_index
        uint32_t item_type = (uint32_t)oss_read_be(infe, &p, 4, &ok);
        if (ok && item_type == OSS_FOURCC('g', 'r', 'i', 'd')) grids[found++] = id;
    }
    return found;
}

/// Where `item`'s first extent is, from `iloc`'s body: the file (method 0) or `idat` (method 1).
/// 0 when `item` is not there or its data is elsewhere.
static int oss_heif_item_data(oss_span iloc, uint32_t item, oss_span file, oss_span idat, oss_span *data) {
    int ok = 1;
    size_t p = 0;
    uint32_t version = (uint32_t)oss_read_be(iloc, &p, 1, &ok);
    p += 3; // flags
    uint32_t sizes = (uint32_t)oss_read_be(iloc, &p, 1, &ok), more = (uint32_t)oss_read_be(iloc, &p, 1, &ok);
    size_t offset_size = sizes >> 4, length_size = sizes & 15, base_size = more >> 4;
    size_t index_size = (version == 1 || version == 2) ? (more & 15) : 0;
    uint64_t items = oss_read_be(iloc, &p, version < 2 ? 2 : 4, &ok);
    for (uint64_t i = 0; ok && i < items; i++) {
        uint32_t id = (uint32_t)oss_read_be(iloc, &p, version < 2 ? 2 : 4, &ok);
        uint32_t method = (version == 1 || version == 2) ? (uint32_t)(oss_read_be(iloc, &p, 2, &ok) & 15) : 0;
        (void)oss_read_be(iloc, &p, 2, &ok); // data_reference_index
        uint64_t base = oss_read_be(iloc, &p, base_size, &ok);
        uint64_t extents = oss_read_be(iloc, &p, 2, &ok);
        for (uint64_t e = 0; ok && e < extents; e++) {
            (void)oss_read_be(iloc, &p, index_size, &ok);
            uint64_t start = oss_read_be(iloc, &p, offset_size, &ok), length = oss_read_be(iloc, &p, length_size, &ok);
            if (!ok || id != item || e != 0) continue;
            oss_span source = method == 0 ? file : (method == 1 ? idat : (oss_span){ NULL, 0 });
            if (!source.data || base > UINT64_MAX - start) return 0;
            uint64_t at = base + start;
            if (at > source.size) return 0;
            if (length == 0 || length > source.size - at) length = source.size - at; // 0: to the end
            *data = (oss_span){ source.data + at, (size_t)length };
            return 1;
        }
    }
    return 0;
}

/// 0 when every grid item's canvas (the output size its payload declares, which libheif 1.15
/// allocates whatever the item's `ispe` says) holds at most `max_pixels`; -1 and a message when one
/// is larger. A 908-byte file declaring a 26724 × 27762 canvas of one 64 × 64 tile asked for 2.2 GB
/// (and under AddressSanitizer libheif wrote through the failed allocation).
static int oss_heif_check_grids(oss_span file, oss_span meta, uint64_t max_pixels, char *message) {
    if (meta.size < 4) return 0;
    oss_span children = { meta.data + 4, meta.size - 4 };
    oss_span iinf = { NULL, 0 }, iloc = { NULL, 0 }, idat = { NULL, 0 };
    size_t offset = 0;
    uint32_t type;
    oss_span box;
    while (oss_next_box(children, &offset, &type, &box)) {
        if (type == OSS_FOURCC('i', 'i', 'n', 'f')) iinf = box;
        else if (type == OSS_FOURCC('i', 'l', 'o', 'c')) iloc = box;
        else if (type == OSS_FOURCC('i', 'd', 'a', 't')) idat = box;
    }
    if (!iinf.data || !iloc.data) return 0;
    uint32_t grids[64];
    size_t count = oss_heif_grid_items(iinf, grids, sizeof grids / sizeof grids[0]);
    for (size_t i = 0; i < count; i++) {
        oss_span payload;
        if (!oss_heif_item_data(iloc, grids[i], file, idat, &payload)) continue;
        int ok = 1;
        size_t p = 1;
        uint32_t flags = (uint32_t)oss_read_be(payload, &p, 1, &ok);
        p += 2; // rows and columns, minus one
        size_t side = (flags & 1) ? 4 : 2;
        uint64_t width = oss_read_be(payload, &p, side, &ok), height = oss_read_be(payload, &p, side, &ok);
        if (!ok) continue; // libheif refuses a short payload itself
        if (width > OSS_HEIF_MAX_SIDE || height > OSS_HEIF_MAX_SIDE || width * height > max_pixels) {
            OSS_FAIL(message, "invalid HEIF: grid item %u declares a %llu x %llu canvas, larger than the image (%llu pixels at most)",
                     grids[i], (unsigned long long)width, (unsigned long long)height, (unsigned long long)max_pixels);
            return -1;
        }
    }
    return 0;
}

int oss_heif_check_references(const uint8_t *data, size_t size, uint64_t max_grid_pixels, char *message) {
    oss_span file = { data, size };
    size_t offset = 0;
    uint32_t type;
    oss_span box;
    while (oss_next_box(file, &offset, &type, &box)) {
        if (type != OSS_FOURCC('m', 'e', 't', 'a')) continue;
        oss_heif_edge *edges;
        uint32_t primary;
        long count = oss_heif_read_edges(box, &edges, &primary);
        if (count < 0) {
            OSS_FAIL(message, "out of memory");
            return -1;
        }
        int status = oss_heif_walk(edges, (size_t)count, primary, message);
        free(edges);
        if (status != 0) return status;
        return oss_heif_check_grids(file, box, max_grid_pixels, message);
    }
    return 0; // no 'meta': libheif refuses the file itself
}
