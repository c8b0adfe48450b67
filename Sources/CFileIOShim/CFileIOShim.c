#include "CFileIOShim.h"

#include <errno.h>
#include <fcntl.h>

#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

int swift_oss_openat2(int directory, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
#if defined(__linux__) && defined(SYS_openat2)
    struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    long result = syscall(SYS_openat2, directory, path, &how, sizeof how);
    return (int)result;
#else
    (void)directory; (void)path; (void)flags; (void)mode; (void)resolve;
    errno = ENOSYS;
    return -1;
#endif
}

int swift_oss_openat(int directory, const char *path, int flags, unsigned int mode) {
    return openat(directory, path, flags, (mode_t)mode);
}
