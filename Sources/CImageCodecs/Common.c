#include "codecs_internal.h"
#include <stdlib.h>

void oss_free(void *pointer) { free(pointer); }
