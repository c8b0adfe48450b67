#ifndef CFILEIOSHIM_H
#define CFILEIOSHIM_H

#include <stdint.h>

/// Resolution flags of openat2(2), mirrored here because Glibc does not declare them for Swift.
#define SWIFT_OSS_RESOLVE_NO_MAGICLINKS 0x02
#define SWIFT_OSS_RESOLVE_NO_SYMLINKS 0x04
#define SWIFT_OSS_RESOLVE_BENEATH 0x08

/// openat2(2) through syscall(2): Swift cannot call the variadic syscall() and Glibc does not
/// declare struct open_how. Returns a descriptor, or -1 with errno set (ENOSYS where the kernel
/// or the platform has no openat2).
int swift_oss_openat2(int directory, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

/// openat(2) with an explicit mode: the C declaration is variadic, which Swift cannot call.
int swift_oss_openat(int directory, const char *path, int flags, unsigned int mode);

#endif
