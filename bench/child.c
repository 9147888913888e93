/* child — fork/exec with captured output, a deadline and per-child resource usage. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "stats.h"

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static int buffer_read(buffer *b, int fd)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? 2 * b->cap : 8192;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return -1;
        b->data = grown;
        b->cap = cap;
        b->data[b->len] = '\0';   /* a child that writes nothing leaves an empty string */
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0)
        return 0;   /* end of file (or an error: treated alike) */
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    return 1;
}

static char *buffer_take(buffer *b)
{
    if (!b->data)
        return strdup("");
    return b->data;
}

/* a pipe whose ends are closed in exec'd programs (the child dup2s the ones it keeps) */
static int cloexec_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

int child_run(char *const argv[], double timeout, child_outcome *o, char *err, size_t errlen)
{
    int out_pipe[2], err_pipe[2];
    memset(o, 0, sizeof *o);
    if (cloexec_pipe(out_pipe) != 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    if (cloexec_pipe(err_pipe) != 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    pid_t parent = getpid();
    double start = stats_now();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start a child process: %s", strerror(errno));
        close(out_pipe[0]); close(out_pipe[1]); close(err_pipe[0]); close(err_pipe[1]);
        return -1;
    }
    if (pid == 0) {
        /* die with the harness: a killed sweep leaves no orphan running */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        execv(argv[0], argv);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    buffer out = { NULL, 0, 0 }, errbuf = { NULL, 0, 0 };
    struct pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
    int open_fds = 2;
    double deadline = start + timeout;
    while (open_fds > 0) {
        double left = deadline - stats_now();
        if (left <= 0) {
            kill(pid, SIGKILL);
            o->timed_out = 1;
            break;
        }
        int ready = poll(fds, 2, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
        if (ready < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && ready > 0; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int more = buffer_read(i == 0 ? &out : &errbuf, fds[i].fd);
            if (more <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR)
        ;
    o->seconds = stats_now() - start;
    o->peak_rss = (size_t)usage.ru_maxrss * 1024u;
    o->cpu_seconds = (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
                     (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec;
    if (WIFEXITED(status)) {
        o->exited = 1;
        o->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        o->signal = WTERMSIG(status);
    }
    o->out = buffer_take(&out);
    o->err = buffer_take(&errbuf);
    return 0;
}

void child_outcome_free(child_outcome *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
}
