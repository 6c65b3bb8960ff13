/* The floor for the read-path benchmark: a bare libfcgi responder that answers every request
 * with a fixed small JSON body, shaped like the media-api pool (P processes x T threads, each
 * thread looping on FCGX_Accept_r over one shared unix socket). Nothing else: no routing, no
 * database, no JSON building.
 *
 *   gcc -O2 -o fcgi-hello fcgi-hello.c -lfcgi -lpthread
 *   fcgi-hello SOCKET_PATH PROCESSES THREADS
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int listen_fd;

static const char response[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: 17\r\n"
    "\r\n"
    "{\"hello\":\"world\"}";

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    if (FCGX_InitRequest(&request, listen_fd, 0) != 0) return NULL;
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutStr(response, (int)sizeof(response) - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

static void run_threads(int threads) {
    pthread_t ids[256];
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET_PATH PROCESSES THREADS\n", argv[0]);
        return 64;
    }
    int processes = atoi(argv[2]), threads = atoi(argv[3]);
    if (processes < 1 || processes > 64 || threads < 1 || threads > 256) return 64;
    FCGX_Init();
    unlink(argv[1]);
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) { perror("FCGX_OpenSocket"); return 1; }
    chmod(argv[1], 0660);
    /* Children are forked before any thread exists, so each is a clean copy. */
    pid_t children[64];
    for (int p = 0; p < processes; p++) {
        pid_t pid = fork();
        if (pid == 0) {
            /* FCGX_Init caught SIGTERM (to finish the current request); here it simply ends. */
            signal(SIGTERM, SIG_DFL);
            run_threads(threads);
            _exit(0);
        }
        children[p] = pid;
    }
    /* The parent only waits; SIGTERM to it ends the children too. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    for (int p = 0; p < processes; p++) kill(children[p], SIGTERM);
    for (int p = 0; p < processes; p++) waitpid(children[p], NULL, 0);
    unlink(argv[1]);
    return 0;
}
