/* expr_kbuild — compiling generated kernels and keeping them in a cache (see expr_kernel.h).
 *
 * A cache entry is named by a 128-bit key: two FNV-1a hashes of the generated source, the
 * compiler's name and its flags.  The file is the shared object followed by a 24-byte
 * trailer — a magic word, the object's length and an FNV-1a checksum of its bytes — checked
 * before the object is handed to dlopen (a damaged ELF file can crash the loader, so it must
 * never reach it); the object itself names the key it was built for, checked after loading.
 * An entry failing either check is rebuilt, with a notice.  A new entry is written under a
 * name of its own and renamed into place, so concurrent processes never see half a file.
 *
 * The generated code is compiled without the sanitizer flags of a sanitizer build: it is
 * straight-line code whose every offset was checked when the program was laid out, and it is
 * compiled exactly as in a normal build, so both builds run the same kernels. */
#include "expr_kernel.h"
#include "expr_kernel_impl.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* No contraction into fused multiply-adds and no reassociation (the default without
 * -ffast-math): the interpreter's rounding.  The element-wise loops of vector nodes are
 * vectorised (-ftree-vectorize): each element is still computed by the same operations in the
 * same order, and a sum, whose vectorisation would reassociate, is left a scalar loop.  The library functions are not built in, so the
 * compiler cannot evaluate exp(0.7) at compile time, correctly rounded, where the interpreter
 * calls the C library, whose result may differ in the last bit. */
static const char *const cflags[] = {
    "-O1", "-ftree-vectorize", "-fPIC", "-shared", "-ffp-contract=off", "-w", "-fno-builtin-exp", "-fno-builtin-log",
    "-fno-builtin-pow", "-fno-builtin-tanh", "-fno-builtin-sin", "-fno-builtin-cos"};
enum { NFLAGS = sizeof cflags / sizeof cflags[0] };
static const char trailer_magic[8] = {'O', 'G', 'K', 'E', 'R', 'N', '0', '1'};
enum { TRAILER = 24 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static expr_kernel_stats stats;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

static const char *compiler(void)
{
    const char *cc = getenv("ODEGRAD_CC");
    return cc && cc[0] ? cc : "cc";
}

void expr_kernels_cache_dir(char *buf, size_t n)
{
    const char *env = getenv("ODEGRAD_KERNEL_CACHE");
    if (env && env[0]) {
        snprintf(buf, n, "%s", env);
        return;
    }
#ifdef ODEGRAD_KERNEL_CACHE_DIR
    snprintf(buf, n, "%s", ODEGRAD_KERNEL_CACHE_DIR);
#else
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0])
        snprintf(buf, n, "%s/odegrad", xdg);
    else
        snprintf(buf, n, "%s/.cache/odegrad", home && home[0] ? home : "/tmp");
#endif
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return -1;
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        const long size = ftell(f);
        if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)size + 1);
            if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
                free(buf);
                buf = NULL;
            }
            *len = (size_t)size;
        }
    }
    fclose(f);
    return buf;
}

/* Is the file a complete shared object with an intact checksum trailer? */
static int entry_intact(const char *path)
{
    size_t len = 0;
    char *buf = read_file(path, &len);
    int ok = 0;
    if (buf && len > TRAILER) {
        uint64_t stored_len, stored_sum;
        const char *t = buf + len - TRAILER;
        memcpy(&stored_len, t + 8, 8);
        memcpy(&stored_sum, t + 16, 8);
        ok = memcmp(t, trailer_magic, 8) == 0 && stored_len == len - TRAILER &&
             stored_sum == fnv(14695981039346656037ULL, buf, len - TRAILER);
    }
    free(buf);
    return ok;
}

/* Load the n tables of an entry, each program holding its own reference to the object.
 * 0: loaded; 1: the file is missing; 2: corrupt; 3: built for another key */
static int load_entry(const char *path, const char *key, int n, expr_kobject *out)
{
    if (access(path, F_OK) != 0)
        return 1;
    if (!entry_intact(path))
        return 2;
    int rc = 0, q = 0;
    for (; q < n && rc == 0; q++) {
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            rc = 2;
            break;
        }
        char sym[48];
        snprintf(sym, sizeof sym, "odegrad_kernels_%d", q);
        const expr_ktable *t = dlsym(h, sym);
        if (!t || t->abi != EXPR_KABI_VERSION || !t->key || strcmp(t->key, key) != 0) {
            dlclose(h);
            rc = t ? 3 : 2;
            break;
        }
        out[q].handle = h;
        out[q].table = t;
    }
    if (rc != 0)
        while (q-- > 0)
            expr_kobject_close(&out[q]);
    return rc;
}

static int write_all(const char *path, const char *a, size_t na, const char *b, size_t nb)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const int ok = fwrite(a, 1, na, f) == na && (!nb || fwrite(b, 1, nb, f) == nb);
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Run the compiler on `csrc` into `so`, its messages into `log`.  Returns 0, or
 * KBUILD_NO_COMPILER, or KBUILD_FAILED. */
static int run_compiler(const char *csrc, const char *so, const char *log)
{
    const char *argv[NFLAGS + 7];
    int k = 0;
    argv[k++] = compiler();
    for (int i = 0; i < NFLAGS; i++)
        argv[k++] = cflags[i];
    argv[k++] = "-o";
    argv[k++] = so;
    argv[k++] = csrc;
    argv[k++] = "-lm";
    argv[k] = NULL;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return KBUILD_FAILED;
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addclose(&fa, 0);
    pid_t pid;
    const int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT || rc == EACCES)
        return KBUILD_NO_COMPILER;
    if (rc != 0)
        return KBUILD_FAILED;
    stats.compiler_runs++;   /* objects built: one per call of expr_kbuild that misses */
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return KBUILD_FAILED;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return KBUILD_NO_COMPILER;   /* a shell wrapper that found no compiler */
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : KBUILD_FAILED;
}

/* Compile src into the cache entry `path` (written aside, then renamed into place). */
static int build_entry(const char *src, size_t len, const char *path, char *err, size_t errlen)
{
    static unsigned long seq;
    char csrc[4200], so[4200], log[4200];
    snprintf(csrc, sizeof csrc, "%s.%ld.%lu.c", path, (long)getpid(), seq);
    snprintf(so, sizeof so, "%s.%ld.%lu.tmp", path, (long)getpid(), seq++);
    snprintf(log, sizeof log, "%s.log", path);
    if (write_all(csrc, src, len, NULL, 0) != 0) {
        snprintf(err, errlen, "cannot write %s", csrc);
        return KBUILD_FAILED;
    }
    const double t0 = now();
    int rc = run_compiler(csrc, so, log);
    stats.compile_seconds += now() - t0;
    remove(csrc);
    if (rc == KBUILD_NO_COMPILER) {
        snprintf(err, errlen, "no C compiler (%s) on PATH", compiler());
        remove(log);
        return rc;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s failed to compile the kernels; see %s", compiler(), log);
        remove(so);
        return rc;
    }
    remove(log);
    size_t n = 0;
    char *obj = read_file(so, &n);
    char trailer[TRAILER];
    const uint64_t n64 = n, sum = obj ? fnv(14695981039346656037ULL, obj, n) : 0;
    memcpy(trailer, trailer_magic, 8);
    memcpy(trailer + 8, &n64, 8);
    memcpy(trailer + 16, &sum, 8);
    rc = obj && write_all(so, obj, n, trailer, TRAILER) == 0 && rename(so, path) == 0 ? 0 : -1;
    free(obj);
    if (rc != 0) {
        remove(so);
        snprintf(err, errlen, "cannot write the kernel cache entry %s", path);
        return KBUILD_FAILED;
    }
    return 0;
}

int expr_kbuild(const char *src, size_t len, int n, expr_kobject *out, char *err, size_t errlen)
{
    const double t0 = now();
    /* the key: the source, the compiler and its flags, the calling convention */
    uint64_t h1 = 14695981039346656037ULL, h2 = 0x9e3779b97f4a7c15ULL;
    const char *cc = compiler();
    const int abi = EXPR_KABI_VERSION;
    h1 = fnv(fnv(h1, src, len), cc, strlen(cc) + 1);
    h2 = fnv(fnv(h2, src, len), cc, strlen(cc) + 1);
    for (int i = 0; i < NFLAGS; i++) {
        h1 = fnv(h1, cflags[i], strlen(cflags[i]) + 1);
        h2 = fnv(h2, cflags[i], strlen(cflags[i]) + 1);
    }
    h1 = fnv(h1, &abi, sizeof abi);
    h2 = fnv(h2, &abi, sizeof abi);
    char key[40], dir[4000], path[4100];
    snprintf(key, sizeof key, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
    expr_kernels_cache_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/k-%s.so", dir, key);
    size_t tlen = 0;
    char *tables = expr_emit_tables(n, key, &tlen);
    char *full = tables ? malloc(len + tlen + 1) : NULL;
    if (!full) {
        free(tables);
        snprintf(err, errlen, "out of memory writing the kernels");
        return KBUILD_FAILED;
    }
    memcpy(full, src, len);
    memcpy(full + len, tables, tlen + 1);
    free(tables);

    pthread_mutex_lock(&lock);
    int rc = load_entry(path, key, n, out);
    if (rc == 2 || rc == 3) {
        fprintf(stderr, "odegrad: kernel cache entry %s is %s; rebuilding it\n", path,
                rc == 2 ? "corrupt" : "stale");
        stats.rebuilds++;
        remove(path);
    }
    if (rc == 0) {
        stats.cache_loads++;
    } else if (make_dirs(dir) != 0) {
        snprintf(err, errlen, "cannot create the kernel cache %s", dir);
        rc = KBUILD_FAILED;
    } else {
        rc = build_entry(full, len + tlen, path, err, errlen);
        if (rc == 0 && load_entry(path, key, n, out) != 0) {
            snprintf(err, errlen, "cannot load the compiled kernels %s: %s", path,
                     dlerror() ? dlerror() : "bad file");
            rc = KBUILD_FAILED;
        }
    }
    stats.total_seconds += now() - t0;
    pthread_mutex_unlock(&lock);
    free(full);
    return rc;
}

void expr_kobject_close(expr_kobject *o)
{
    if (o->handle)
        dlclose(o->handle);
    o->handle = NULL;
    o->table = NULL;
}

void expr_kernels_count_fallback(void)
{
    pthread_mutex_lock(&lock);
    stats.fallbacks++;
    pthread_mutex_unlock(&lock);
}

void expr_kernels_stats(expr_kernel_stats *s)
{
    pthread_mutex_lock(&lock);
    *s = stats;
    pthread_mutex_unlock(&lock);
}
