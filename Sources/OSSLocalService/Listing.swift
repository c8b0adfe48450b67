/// One page of ListObjects over keys sorted by their UTF-8 bytes, computed on bytes alone.
///
/// OSS orders and compares keys as byte strings. Swift's `String` comparisons (`==`, `<`,
/// `hasPrefix`) use canonical equivalence, under which an NFC key and its NFD twin are equal, so
/// every comparison here is on `[UInt8]`: prefix, delimiter, marker, start-after and tokens.
struct ListingQuery: Sendable {
    /// Only keys starting with these bytes.
    var prefix: [UInt8] = []
    /// Roll keys up to the first occurrence of these bytes after the prefix (none when empty).
    var delimiter: [UInt8] = []
    /// Only entries after these bytes (marker, start-after or continuation token).
    var after: [UInt8] = []
    /// Entries (keys and common prefixes together) per page.
    var maxKeys: Int = 100
}

/// What one page holds.
struct ListingPage: Sendable {
    /// Indices, into the sorted keys, of the keys listed as objects.
    var keyIndices: [Int] = []
    /// Common prefixes, in order.
    var commonPrefixes: [[UInt8]] = []
    /// More entries follow.
    var isTruncated = false
    /// The last entry of the page (a key or a common prefix): the next marker or token.
    var lastEntry: [UInt8]?
    /// Entries on the page.
    var count: Int { keyIndices.count + commonPrefixes.count }
}

extension ListingQuery {
    /// Computes the page over `keys`, which must be sorted by bytes. Skips whole common
    /// prefixes by binary search, so a page costs O(maxKeys · log n), not O(n).
    func page<Keys: RandomAccessCollection>(over keys: Keys) -> ListingPage where Keys.Element == [UInt8], Keys.Index == Int {
        var page = ListingPage()
        var index = keys.partitioningIndex(from: keys.startIndex) { !$0.lexicographicallyPrecedes(prefix) }
        if !after.isEmpty {
            index = Swift.max(index, keys.partitioningIndex(from: keys.startIndex) { after.lexicographicallyPrecedes($0) })
            // A marker that is itself a common prefix (the last entry of a previous page) skips
            // every key it stands for.
            if rollUp(after) == after {
                index = keys.partitioningIndex(from: index) { !$0.starts(with: after) }
            }
        }
        while index < keys.endIndex, keys[index].starts(with: prefix) {
            if page.count == maxKeys {
                page.isTruncated = true
                break
            }
            let key = keys[index]
            if let common = rollUp(key) {
                page.commonPrefixes.append(common)
                page.lastEntry = common
                index = keys.partitioningIndex(from: index) { !$0.starts(with: common) }
            } else {
                page.keyIndices.append(index)
                page.lastEntry = key
                index += 1
            }
        }
        return page
    }

    /// The common prefix a key rolls up to: up to and including the first delimiter after the
    /// prefix; nil when there is no delimiter (or the key does not start with the prefix).
    func rollUp(_ key: [UInt8]) -> [UInt8]? {
        guard !delimiter.isEmpty, key.starts(with: prefix) else { return nil }
        var start = prefix.count
        while start + delimiter.count <= key.count {
            if key[start..<(start + delimiter.count)].elementsEqual(delimiter) {
                return Array(key[..<(start + delimiter.count)])
            }
            start += 1
        }
        return nil
    }
}

extension RandomAccessCollection where Index == Int {
    /// The first index at or after `start` where `belongs` holds, for a predicate that is false
    /// and then true along the collection.
    func partitioningIndex(from start: Int, where belongs: (Element) -> Bool) -> Int {
        var low = start, high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension Array where Element == UInt8 {
    /// Byte order, as OSS sorts keys.
    static func byteOrder(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
}
