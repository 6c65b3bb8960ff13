#ifndef CVIPS_SHIM_H
#define CVIPS_SHIM_H
#include <vips/vips.h>

/* VIPS_INIT is a macro that also checks the ABI of the headers against the library. */
static inline int cvips_init(const char *argv0) { return VIPS_INIT(argv0); }

#endif
