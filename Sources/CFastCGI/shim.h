#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
#include <stdlib.h>
#include <fcgiapp.h>

/* libfcgi keeps pointers back into the request, so it must live at a stable heap address. */
static inline FCGX_Request *cfcgi_request_new(int listen_fd, int flags) {
    FCGX_Request *request = calloc(1, sizeof(FCGX_Request));
    if (request == NULL) return NULL;
    if (FCGX_InitRequest(request, listen_fd, flags) != 0) { free(request); return NULL; }
    return request;
}

static inline void cfcgi_request_free(FCGX_Request *request) {
    if (request == NULL) return;
    FCGX_Free(request, 1);
    free(request);
}

#endif
