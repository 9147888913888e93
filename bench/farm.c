/* farm — the serial loop, and over MPI the coordinator (rank 0) and the workers. */
#include "farm.h"

#include <errno.h>
#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "farm_wire.h"

/* Every MPI call here goes by its profiling name, PMPI_*: the sequential MUMPS that Ipopt
 * links (fit/) carries stubs of MPI_Init, MPI_Comm_rank, MPI_Finalize and MPI_Wtime for its
 * single process, and the dynamic linker may bind those names to the stubs before OpenMPI —
 * every rank would then be rank 0 of one.  The PMPI_ names are OpenMPI's alone. */

/* message tags: rank 0 → worker (a file, a task, stop), worker → rank 0 (an outcome) */
enum { TAG_FILE = 1, TAG_TASK = 2, TAG_STOP = 3, TAG_OUTCOME = 4 };

/* How long an idle coordinator or worker sleeps between looks for a message: MPI's own
 * blocking receive spins on a processor, which on a machine with as many ranks as cores
 * takes it away from the cases. */
#define FARM_NAP_NS 2000000L

static struct {
    int on;        /* MPI_Init was called */
    int rank, size;
    int stopped;   /* the workers were told to stop */
    int failed;    /* farm_run failed on rank 0: end the whole job */
    int threads;   /* MPI allows a helper thread on rank 0 (MPI_THREAD_FUNNELED) */
} mpi = { 0, 0, 1, 0, 0, 0 };

static void nap(void)
{
    struct timespec ts = { 0, FARM_NAP_NS };
    nanosleep(&ts, NULL);
}

/* Was this process started by an MPI launcher?  (OpenMPI's mpirun, PMIx as under srun
 * --mpi=pmix, or PMI-1/2 as under srun --mpi=pmi2 and MPICH's launchers.) */
static int launched_by_mpi(void)
{
    static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                        "PMI_SIZE", NULL };
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int farm_open(char *err, size_t errlen)
{
    if (mpi.on || !launched_by_mpi())
        return 0;
    int provided = MPI_THREAD_SINGLE;
    if (PMPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "cannot join the MPI job (MPI_Init failed)");
        return -1;
    }
    mpi.on = 1;
    mpi.threads = provided >= MPI_THREAD_FUNNELED;
    PMPI_Comm_rank(MPI_COMM_WORLD, &mpi.rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &mpi.size);
    return mpi.rank > 0;
}

int farm_ranks(void)
{
    return mpi.size;
}

static void send_stop(void)
{
    if (!mpi.on || mpi.rank != 0 || mpi.stopped)
        return;
    for (int r = 1; r < mpi.size; r++)
        PMPI_Send(NULL, 0, MPI_BYTE, r, TAG_STOP, MPI_COMM_WORLD);
    mpi.stopped = 1;
}

void farm_close(void)
{
    if (!mpi.on)
        return;
    if (mpi.failed && mpi.size > 1) {
        /* workers may be in the middle of a case whose outcome nobody will receive */
        fflush(NULL);
        PMPI_Abort(MPI_COMM_WORLD, 1);
    }
    send_stop();
    PMPI_Finalize();
    mpi.on = 0;
}

/* ---- running one command (every rank) ---- */

/* Run a packed task; its packed outcome into *out. */
static void run_packed(wire *task, const char *self, const char *from, const char *to, wire *out)
{
    int item = -1;
    double timeout = 0;
    char **argv = NULL, message[512] = "";
    child_outcome o;
    memset(&o, 0, sizeof o);
    int started = 0;
    if (wire_get_task(task, &item, &timeout, &argv) != 0) {
        snprintf(message, sizeof message, "a malformed task reached rank %d", mpi.rank);
    } else {
        argv[0] = (char *)self;
        /* the shared file under its name on this rank */
        for (int i = 1; from && to && argv[i]; i++)
            if (strcmp(argv[i], from) == 0)
                argv[i] = (char *)to;
        started = child_run(argv, timeout, &o, message, sizeof message) == 0;
    }
    wire_put_outcome(out, item, started, message, &o);
    if (started)
        child_outcome_free(&o);
    free(argv);
}

/* ---- a worker rank ---- */

int farm_command(const cli_env *env, const char *cmd,
                 int (*body)(const cli_env *env, int argc, char **argv), int argc, char **argv)
{
    char err[256];
    int role = farm_open(err, sizeof err);
    if (role < 0)
        return cli_failure(env, cmd, "%s", err);
    if (role > 0)
        return farm_serve(env->self);
    int code = body(env, argc, argv);
    farm_close();
    return code;
}

/* receive the next message from rank 0 into w (napping while there is none); its tag */
static int receive(wire *w)
{
    MPI_Status st;
    int flag = 0, count = 0;
    for (;;) {
        PMPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (flag)
            break;
        nap();
    }
    PMPI_Get_count(&st, MPI_BYTE, &count);
    wire_free(w);
    w->data = malloc((size_t)count + 1);
    w->cap = w->len = (size_t)count;
    if (!w->data)
        return -1;
    PMPI_Recv(w->data, count, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return st.MPI_TAG;
}

/* A shared file: "path\0content"; written to a temporary file of this rank. */
static int keep_file(wire *w, char *from, size_t fromlen, char *to, size_t tolen)
{
    const char *nul = memchr(w->data, '\0', w->len);
    if (!nul)
        return -1;
    snprintf(from, fromlen, "%s", w->data);
    const char *dir = getenv("TMPDIR");
    snprintf(to, tolen, "%s/odegrad-rank%d-XXXXXX", dir && *dir ? dir : "/tmp", mpi.rank);
    int fd = mkstemp(to);
    if (fd < 0)
        return -1;
    const char *p = nul + 1;
    size_t left = w->len - (size_t)(p - w->data);
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    return close(fd);
}

int farm_serve(const char *self)
{
    wire w = { 0 }, out = { 0 };
    char from[4096] = "", to[4096] = "";
    int code = 0;
    for (;;) {
        int tag = receive(&w);
        if (tag == TAG_STOP)
            break;
        if (tag == TAG_FILE) {
            if (to[0])
                unlink(to);
            to[0] = '\0';
            if (keep_file(&w, from, sizeof from, to, sizeof to) != 0) {
                fprintf(stderr, "odegrad: rank %d cannot keep a copy of %s in its temporary "
                        "directory; set TMPDIR to a writable one\n", mpi.rank, from);
                code = 1;
                break;
            }
            continue;
        }
        if (tag != TAG_TASK) {
            fprintf(stderr, "odegrad: rank %d received a message it does not know\n", mpi.rank);
            code = 1;
            break;
        }
        wire_free(&out);
        run_packed(&w, self, from[0] ? from : NULL, to[0] ? to : NULL, &out);
        if (out.bad) {
            fprintf(stderr, "odegrad: rank %d ran out of memory\n", mpi.rank);
            code = 1;
            break;
        }
        PMPI_Send(out.data, (int)out.len, MPI_BYTE, 0, TAG_OUTCOME, MPI_COMM_WORLD);
    }
    wire_free(&w);
    wire_free(&out);
    if (to[0])
        unlink(to);
    if (code != 0) {
        fflush(NULL);
        PMPI_Abort(MPI_COMM_WORLD, 1);
    }
    PMPI_Finalize();
    mpi.on = 0;
    return code;
}

/* ---- rank 0 ---- */

/* The items in the order they are offered: by cost, larger first, ties in the given order. */
static const double *sort_cost;
static int by_cost(const void *a, const void *b)
{
    const int i = *(const int *)a, j = *(const int *)b;
    if (sort_cost[i] != sort_cost[j])
        return sort_cost[i] > sort_cost[j] ? -1 : 1;
    return (i > j) - (i < j);
}

typedef struct {
    const farm_job *job;
    int *order;           /* items by cost */
    char *state;          /* per item: 0 waiting, 1 handed out, 2 finished */
    int next;             /* first position of order that may still be waiting */
    int nfinished;
    progress *bar;
} queue;

/* Count item i as finished. */
static void settle(queue *q, int i, int failed)
{
    char label[200] = "";
    q->state[i] = 2;
    q->nfinished++;
    if (q->job->label)
        q->job->label(q->job->user, i, label, sizeof label);
    progress_step(q->bar, label, failed);
}

/* The next item that may run (its `after` finished), or -1.  `relax`: ignore `after`. */
static int next_ready(queue *q, int relax)
{
    const farm_job *job = q->job;
    while (q->next < job->nitems && q->state[q->order[q->next]] != 0)
        q->next++;
    for (int k = q->next; k < job->nitems; k++) {
        int i = q->order[k];
        if (q->state[i] != 0)
            continue;
        int dep = job->after ? job->after[i] : -1;
        if (relax || dep < 0 || q->state[dep] == 2)
            return i;
    }
    return -1;
}

/* Ask `prepare` for item i: 1 with its packed task in *w, 0 when it was settled without
 * running, -1 on error. */
static int pack_item(queue *q, int i, wire *w, char *err, size_t errlen)
{
    const farm_job *job = q->job;
    char **argv = NULL;
    double timeout = 0;
    q->state[i] = 1;
    int r = job->prepare(job->user, i, &argv, &timeout, err, errlen);
    if (r < 0)
        return -1;
    if (r != FARM_RUN) {
        settle(q, i, r == FARM_SETTLED_FAILED);
        return 0;
    }
    wire_free(w);
    wire_put_task(w, i, timeout, argv);
    if (job->release)
        job->release(job->user, i);
    if (w->bad) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}

/* Hand an outcome to `finish`.  0, or -1 with a message. */
static int take_outcome(queue *q, wire *w, char *err, size_t errlen)
{
    int item, started;
    char message[512];
    child_outcome o;
    if (wire_get_outcome(w, &item, &started, message, sizeof message, &o) != 0 || item < 0 ||
        item >= q->job->nitems || q->state[item] != 1) {
        snprintf(err, errlen, "a malformed outcome came back from a rank");
        return -1;
    }
    if (!started) {
        snprintf(err, errlen, "%s", message);
        return -1;
    }
    int r = q->job->finish(q->job->user, item, &o, err, errlen);
    child_outcome_free(&o);
    if (r < 0)
        return -1;
    settle(q, item, r > 0);
    return 0;
}

/* rank 0's own worker: a thread that runs one packed task at a time and only waits for its
 * child (it makes no MPI call) */
typedef struct {
    pthread_t thread;
    wire task, out;
    const char *self;
    atomic_int done;
    int busy;
} local_worker;

static void *local_main(void *arg)
{
    local_worker *lw = arg;
    run_packed(&lw->task, lw->self, NULL, NULL, &lw->out);
    atomic_store(&lw->done, 1);
    return NULL;
}

/* Send the shared file to every worker rank. */
static int send_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    wire w = { 0 };
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int bad = 0;
    for (;;) {
        if (cap - len < 65536) {
            char *grown = realloc(buf, cap ? 2 * cap : 65536 + 1);
            if (!grown) {
                bad = 1;
                break;
            }
            buf = grown;
            cap = cap ? 2 * cap : 65536 + 1;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bad |= ferror(f);
    fclose(f);
    if (!bad) {
        w.data = malloc(strlen(path) + 1 + len);
        if (w.data) {
            memcpy(w.data, path, strlen(path) + 1);
            memcpy(w.data + strlen(path) + 1, buf, len);
            w.len = strlen(path) + 1 + len;
        }
        bad = !w.data || w.len > (size_t)2147483647;
    }
    free(buf);
    if (bad) {
        wire_free(&w);
        snprintf(err, errlen, "cannot read %s into memory", path);
        return -1;
    }
    for (int r = 1; r < mpi.size; r++)
        PMPI_Send(w.data, (int)w.len, MPI_BYTE, r, TAG_FILE, MPI_COMM_WORLD);
    wire_free(&w);
    return 0;
}

static int run_distributed(queue *q, const char *self, char *err, size_t errlen)
{
    const farm_job *job = q->job;
    if (job->shared_file && send_file(job->shared_file, err, errlen) != 0)
        return -1;
    int *busy = calloc((size_t)mpi.size, sizeof *busy);   /* busy[r]: rank r has a task */
    local_worker lw;
    memset(&lw, 0, sizeof lw);
    lw.self = self;
    wire w = { 0 };
    int code = busy ? 0 : -1;
    if (!busy)
        snprintf(err, errlen, "out of memory");
    while (code == 0 && q->nfinished < job->nitems) {
        int acted = 0, nbusy = lw.busy;
        for (int r = 1; r < mpi.size; r++)
            nbusy += busy[r];
        /* hand an item to every idle worker: the other ranks first, then rank 0's thread */
        for (int r = 1; r <= mpi.size; r++) {
            const int local = r == mpi.size;
            if (local ? lw.busy || !mpi.threads : busy[r])
                continue;
            wire *slot = local ? &lw.task : &w;
            int packed = 0;
            while (packed == 0) {
                int i = next_ready(q, 0);
                /* nothing runs and every waiting item waits: let them go (cannot happen
                 * while `after` names items of the job; a guard against a hang) */
                if (i < 0 && nbusy == 0)
                    i = next_ready(q, 1);
                if (i < 0)
                    break;
                packed = pack_item(q, i, slot, err, errlen);
                acted = 1;
            }
            if (packed < 0)
                code = -1;
            if (packed <= 0)
                break;   /* an error, or nothing to hand out now */
            if (local) {
                atomic_store(&lw.done, 0);
                wire_free(&lw.out);
                if (pthread_create(&lw.thread, NULL, local_main, &lw) != 0) {
                    snprintf(err, errlen, "cannot start a thread on rank 0");
                    code = -1;
                    break;
                }
                lw.busy = 1;
            } else {
                PMPI_Send(w.data, (int)w.len, MPI_BYTE, r, TAG_TASK, MPI_COMM_WORLD);
                wire_free(&w);
                busy[r] = 1;
            }
            nbusy++;
        }
        if (code != 0)
            break;
        /* collect what came back */
        if (lw.busy && atomic_load(&lw.done)) {
            pthread_join(lw.thread, NULL);
            lw.busy = 0;
            wire_free(&lw.task);
            acted = 1;
            if (lw.out.bad) {
                snprintf(err, errlen, "out of memory");
                code = -1;
            } else {
                code = take_outcome(q, &lw.out, err, errlen);
            }
            wire_free(&lw.out);
        }
        int flag = 0;
        MPI_Status st;
        PMPI_Iprobe(MPI_ANY_SOURCE, TAG_OUTCOME, MPI_COMM_WORLD, &flag, &st);
        if (code == 0 && flag) {
            int count = 0;
            PMPI_Get_count(&st, MPI_BYTE, &count);
            wire_free(&w);
            w.data = malloc((size_t)count + 1);
            w.len = w.cap = (size_t)count;
            if (!w.data) {
                snprintf(err, errlen, "out of memory");
                code = -1;
                break;
            }
            PMPI_Recv(w.data, count, MPI_BYTE, st.MPI_SOURCE, TAG_OUTCOME, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            busy[st.MPI_SOURCE] = 0;
            code = take_outcome(q, &w, err, errlen);
            wire_free(&w);
            acted = 1;
        }
        if (!acted)
            nap();
    }
    if (lw.busy)
        pthread_join(lw.thread, NULL);   /* its child ends at its time limit at the latest */
    wire_free(&lw.task);
    wire_free(&lw.out);
    wire_free(&w);
    free(busy);
    return code;
}

/* no MPI, or one rank: the items one after another, in order, in this process */
static int run_serial(queue *q, const char *self, char *err, size_t errlen)
{
    const farm_job *job = q->job;
    for (int i = 0; i < job->nitems; i++) {
        char **argv = NULL;
        double timeout = 0;
        q->state[i] = 1;
        int r = job->prepare(job->user, i, &argv, &timeout, err, errlen);
        if (r < 0)
            return -1;
        if (r != FARM_RUN) {
            settle(q, i, r == FARM_SETTLED_FAILED);
            continue;
        }
        argv[0] = (char *)self;
        child_outcome o;
        int started = child_run(argv, timeout, &o, err, errlen) == 0;
        if (job->release)
            job->release(job->user, i);
        if (!started)
            return -1;
        r = job->finish(job->user, i, &o, err, errlen);
        child_outcome_free(&o);
        if (r < 0)
            return -1;
        settle(q, i, r > 0);
    }
    return 0;
}

int farm_run(const farm_job *job, progress *bar, const char *self, char *err, size_t errlen)
{
    queue q = { job, NULL, NULL, 0, 0, bar };
    q.order = malloc(sizeof(int) * (size_t)(job->nitems > 0 ? job->nitems : 1));
    q.state = calloc((size_t)(job->nitems > 0 ? job->nitems : 1), 1);
    int code = 0;
    if (!q.order || !q.state) {
        snprintf(err, errlen, "out of memory for %d items", job->nitems);
        code = -1;
    } else {
        for (int i = 0; i < job->nitems; i++)
            q.order[i] = i;
        if (job->cost) {
            sort_cost = job->cost;
            qsort(q.order, (size_t)job->nitems, sizeof *q.order, by_cost);
        }
        if (mpi.on && mpi.size > 1) {
            progress_lines(bar);
            code = run_distributed(&q, self, err, errlen);
        } else {
            code = run_serial(&q, self, err, errlen);
        }
    }
    free(q.order);
    free(q.state);
    if (code != 0)
        mpi.failed = 1;
    return code;
}
