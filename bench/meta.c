/* meta — versions, commit, machine and date of a study run, as JSON. */
#include "meta.h"

#include <errno.h>
#include <gsl/gsl_version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_config.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "expr_blas.h"
#include "expr_kernel.h"
#include "format.h"

/* first line of a file, without its newline; 0, or -1 if unreadable */
static int read_first_line(const char *path, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(out, (int)outlen, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int is_commit(const char *text)
{
    return strlen(text) == 40 && strspn(text, "0123456789abcdef") == 40;
}

void meta_git_commit(const char *source_dir, char *out, size_t outlen)
{
    char gitdir[4096], path[8400], line[4200];
    snprintf(out, outlen, "none");
    snprintf(gitdir, sizeof gitdir, "%s/.git", source_dir);
    /* a worktree or submodule: .git is a file "gitdir: <path>" */
    if (read_first_line(gitdir, line, sizeof line) == 0 && strncmp(line, "gitdir: ", 8) == 0) {
        if (line[8] == '/')
            snprintf(gitdir, sizeof gitdir, "%.4000s", line + 8);
        else
            snprintf(gitdir, sizeof gitdir, "%.1000s/%.3000s", source_dir, line + 8);
    }
    snprintf(path, sizeof path, "%s/HEAD", gitdir);
    if (read_first_line(path, line, sizeof line) != 0)
        return;
    if (is_commit(line)) {
        snprintf(out, outlen, "%s", line);
        return;
    }
    if (strncmp(line, "ref: ", 5) != 0)
        return;
    char ref[4096], commit[4200];
    snprintf(ref, sizeof ref, "%.4000s", line + 5);
    snprintf(path, sizeof path, "%s/%s", gitdir, ref);
    if (read_first_line(path, commit, sizeof commit) == 0 && is_commit(commit)) {
        snprintf(out, outlen, "%s", commit);
        return;
    }
    /* packed refs: "<commit> <ref>" lines */
    snprintf(path, sizeof path, "%s/packed-refs", gitdir);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) > 41 && line[40] == ' ' && strcmp(line + 41, ref) == 0) {
            line[40] = '\0';
            if (is_commit(line))
                snprintf(out, outlen, "%s", line);
            break;
        }
    }
    if (f)
        fclose(f);
}

static void cpu_model(char *out, size_t outlen)
{
    char line[512];
    snprintf(out, outlen, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            char *v = strchr(line, ':') + 1;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            snprintf(out, outlen, "%s", v);
            break;
        }
    }
    if (f)
        fclose(f);
}

static void json_field(FILE *f, const char *name, const char *value, int last)
{
    fprintf(f, "  ");
    format_json_string(f, name);
    fputs(": ", f);
    format_json_string(f, value);
    fputs(last ? "\n" : ",\n", f);
}

int meta_write(const char *path, const char *study, const char *spec_path, int ncases,
               int ndone_before, char *err, size_t errlen)
{
    char tmp[4200], commit[64], cpu[256], date[64], host[256] = "unknown", machine[512];
    struct utsname un;
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    meta_git_commit(ODEGRAD_SOURCE_DIR, commit, sizeof commit);
    cpu_model(cpu, sizeof cpu);
    gethostname(host, sizeof host - 1);
    if (uname(&un) == 0)
        snprintf(machine, sizeof machine, "%s %s %s", un.sysname, un.release, un.machine);
    else
        snprintf(machine, sizeof machine, "unknown");
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    fputs("{\n", f);
    json_field(f, "study", study, 0);
    json_field(f, "spec", spec_path, 0);
    json_field(f, "date", date, 0);
    json_field(f, "odegrad", ODEGRAD_VERSION, 0);
    json_field(f, "gsl", GSL_VERSION, 0);
    json_field(f, "sundials", SUNDIALS_VERSION, 0);
#if defined(__clang__)
    json_field(f, "compiler", "clang " __clang_version__, 0);
#elif defined(__GNUC__)
    json_field(f, "compiler", "gcc " __VERSION__, 0);
#else
    json_field(f, "compiler", "unknown", 0);
#endif
    json_field(f, "git_commit", commit, 0);
    json_field(f, "source_dir", ODEGRAD_SOURCE_DIR, 0);
    json_field(f, "host", host, 0);
    json_field(f, "system", machine, 0);
    json_field(f, "cpu", cpu, 0);
    json_field(f, "blas", expr_blas_name(), 0);
    expr_blas_single_thread();   /* as every measurement runs it */
    fprintf(f, "  \"blas_threads\": %d,\n", expr_blas_threads());
    json_field(f, "kernels",
               expr_kernels_requested() == EXPR_KERNELS_INTERPRETED ? "interpreted" : "compiled", 0);
    fprintf(f, "  \"cpus_online\": %ld,\n", sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(f, "  \"memory_bytes\": %.0f,\n",
            (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE));
    fprintf(f, "  \"cases\": %d,\n  \"cases_done_before_this_run\": %d\n}\n", ncases, ndone_before);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
