// Threads for the bands of one image stage (ImageParallelism.forEach), and why they are not
// Dispatch's.
//
// On a Linux virtual machine whose other vCPU has been idle for a few tens of milliseconds, the
// scheduler places a thread woken by a busy thread on the waker's own CPU: the idle vCPU, halted
// at the host, does not count as an idle CPU to it. The woken band then waits until the waker's
// band ends or the load balancer moves it, milliseconds later, and a job meant for two cores
// runs on one. (Measured on the project's 2-vCPU KVM machine: after 50 ms of idleness, 26 of 30
// wake-ups by a busy thread ran on its CPU, 2.7 ms late; after 1 ms, none did, 50 µs late.)
// Cloud servers are such machines, and an image job after a pause is the common case there.
//
// So the caller names the CPUs a helper may wake on: every CPU it may use but the caller's own.
// The wake-up then goes to another CPU, and the helper, once running, takes back the process's
// whole set, so that it is never bound to a CPU that something else is using.
//
// One set of helpers serves one stage at a time; a stage that finds them busy (two jobs banding
// at once, which ImageParallelism makes rare) returns 1 and runs its bands some other way.
//
// A helper takes the caller's nice value for the stage (Linux's is a thread's own): the bands of
// a job on `oss serve`'s image pool (nice +5) stay behind the event loops whichever thread first
// started the helpers, and a job at nice 0 gets back to 0 where the process may lower it.
#ifdef __linux__
#define _GNU_SOURCE
#include "CImageCodecs.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>

#define OSS_BAND_HELPERS 7

typedef struct {
    void (*body)(void *context, size_t index);
    void *context;
    size_t count;
    atomic_size_t next;
    atomic_int pending; // helpers still in the stage
    sem_t finished;     // posted by the last helper out
    int nice;           // the caller's nice value
} oss_band_stage;

typedef struct {
    pthread_t thread;
    sem_t start;
    oss_band_stage *_Atomic stage;
    int started;
} oss_band_helper;

static pthread_mutex_t oss_band_lock = PTHREAD_MUTEX_INITIALIZER; // held for a whole stage
static oss_band_helper oss_helpers[OSS_BAND_HELPERS];
static cpu_set_t oss_band_cpus; // the process's CPUs when the first helper started
static int oss_band_cpu_count;

/// Takes the stage's indices until none is left.
static void oss_band_take(oss_band_stage *stage) {
    for (;;) {
        size_t index = atomic_fetch_add_explicit(&stage->next, 1, memory_order_relaxed);
        if (index >= stage->count) return;
        stage->body(stage->context, index);
    }
}

/// Not a nice value (they are -20...19): getpriority failed, and the helper keeps its own.
#define OSS_NICE_UNKNOWN 100

/// The calling thread's nice value, or OSS_NICE_UNKNOWN (getpriority's -1 is a value too: errno
/// tells, and the caller's errno is left as it was).
static int oss_thread_nice(void) {
    int saved = errno;
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    int failed = nice == -1 && errno != 0;
    errno = saved;
    return failed ? OSS_NICE_UNKNOWN : nice;
}

static void *oss_band_helper_run(void *argument) {
    oss_band_helper *helper = (oss_band_helper *)argument;
    int current = oss_thread_nice();
    for (;;) {
        while (sem_wait(&helper->start) != 0) {}
        oss_band_stage *stage = atomic_load_explicit(&helper->stage, memory_order_acquire);
        // Woken on a CPU other than the caller's: from here on, any of the process's.
        if (oss_band_cpu_count > 1) pthread_setaffinity_np(pthread_self(), sizeof oss_band_cpus, &oss_band_cpus);
        // The caller's priority. (Lowering it needs the right to; without, it stays higher.)
        if (stage->nice != OSS_NICE_UNKNOWN && stage->nice != current && setpriority(PRIO_PROCESS, 0, stage->nice) == 0) current = stage->nice;
        oss_band_take(stage);
        if (atomic_fetch_sub_explicit(&stage->pending, 1, memory_order_acq_rel) == 1) sem_post(&stage->finished);
    }
    return NULL;
}

int oss_band_threads_run(size_t count, int threads, void (*body)(void *context, size_t index), void *context) {
    if (count == 0) return 0;
    int helpers = threads - 1;
    if ((size_t)helpers > count - 1) helpers = (int)(count - 1);
    if (helpers > OSS_BAND_HELPERS) helpers = OSS_BAND_HELPERS;
    if (helpers <= 0) {
        for (size_t i = 0; i < count; i++) body(context, i);
        return 0;
    }
    if (pthread_mutex_trylock(&oss_band_lock) != 0) return 1;
    if (oss_band_cpu_count == 0) {
        CPU_ZERO(&oss_band_cpus);
        oss_band_cpu_count = sched_getaffinity(0, sizeof oss_band_cpus, &oss_band_cpus) == 0 ? CPU_COUNT(&oss_band_cpus) : 1;
    }
    int ready = 0;
    for (; ready < helpers; ready++) {
        oss_band_helper *helper = &oss_helpers[ready];
        if (helper->started) continue;
        if (sem_init(&helper->start, 0, 0) != 0) break;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, (size_t)1 << 20);
        int created = pthread_create(&helper->thread, &attributes, oss_band_helper_run, helper) == 0;
        pthread_attr_destroy(&attributes);
        if (!created) {
            sem_destroy(&helper->start);
            break;
        }
        pthread_setname_np(helper->thread, "oss-image-band");
        helper->started = 1;
    }
    oss_band_stage stage = { .body = body, .context = context, .count = count, .nice = oss_thread_nice() };
    atomic_init(&stage.next, 0);
    atomic_init(&stage.pending, ready);
    if (ready > 0 && sem_init(&stage.finished, 0, 0) != 0) ready = 0;
    if (ready == 0) {
        pthread_mutex_unlock(&oss_band_lock);
        return 1;
    }
    // Every CPU of the process but this one, for the wake-up (see above).
    cpu_set_t others = oss_band_cpus;
    int here = sched_getcpu();
    int steer = oss_band_cpu_count > 1 && here >= 0 && here < CPU_SETSIZE && CPU_ISSET(here, &others);
    if (steer) CPU_CLR(here, &others);
    for (int h = 0; h < ready; h++) {
        oss_band_helper *helper = &oss_helpers[h];
        if (steer) pthread_setaffinity_np(helper->thread, sizeof others, &others);
        atomic_store_explicit(&helper->stage, &stage, memory_order_release);
        sem_post(&helper->start);
    }
    oss_band_take(&stage);
    while (sem_wait(&stage.finished) != 0) {}
    sem_destroy(&stage.finished);
    pthread_mutex_unlock(&oss_band_lock);
    return 0;
}
#else
#include "CImageCodecs.h"

int oss_band_threads_run(size_t count, int threads, void (*body)(void *context, size_t index), void *context) {
    (void)count; (void)threads; (void)body; (void)context;
    return 1;
}
#endif
