#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
#include <stdlib.h>
#include <fcgiapp.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <sys/syscall.h>

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

/* One epoll set per accepting thread, with EPOLLEXCLUSIVE so a new connection wakes one
 * waiter instead of every thread of every worker. epoll_event is a packed struct, which is
 * awkward from Swift, so both calls live here. Returns the epoll fd or -1. */
static inline int cfcgi_epoll_for_listener(int listen_fd) {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return -1;
    struct epoll_event event;
    event.events = EPOLLIN | EPOLLEXCLUSIVE;
    event.data.fd = listen_fd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &event) != 0) { close(epfd); return -1; }
    return epfd;
}

/* 1 when the listener is readable, 0 on timeout, -1 on error. */
static inline int cfcgi_epoll_wait_readable(int epfd, int timeout_ms) {
    struct epoll_event event;
    int n = epoll_wait(epfd, &event, 1, timeout_ms);
    return n > 0 ? 1 : n;
}

/* memfd_create(name, MFD_CLOEXEC): glibc declares it only under _GNU_SOURCE, which Swift's
 * Glibc module is not built with. Returns the fd or -1 (errno set). */
static inline int cfcgi_memfd_create(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */);
}

#endif
