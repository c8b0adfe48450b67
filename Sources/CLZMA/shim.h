#ifndef SWIFT_OSS_CLZMA_SHIM_H
#define SWIFT_OSS_CLZMA_SHIM_H
// liblzma is used for one function only: lzma_crc64, which is CRC-64/ECMA-182 exactly as OSS
// computes x-oss-hash-crc64ecma, with a carry-less-multiply implementation on x86-64.
#include <lzma.h>
#endif
