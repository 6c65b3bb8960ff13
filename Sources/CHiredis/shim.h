#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
/* No varargs wrappers needed: redisCommandArgv is binary-safe and not variadic. */
#include <hiredis.h>
#endif
