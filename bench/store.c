/* store — appending, recovering and reading a study's tidy CSV. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "format.h"

#define STORE_FIELDS 8

struct study_store {
    int fd;
    char *path;
    char *study;
    char **done;        /* sorted keys of the finished cases */
    int ndone;
    size_t dropped;
};

int store_make_dir(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
                return -1;
            }
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    return 0;
}

int store_split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            /* quoted: "" stands for one quote; unquote in place */
            char *out = ++p;
            fields[n++] = out;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
            if (*p != ',' && *p != '\0')
                return -1;
            char end = *p;
            *out = '\0';
            if (end == '\0')
                return n;
            p++;
        } else {
            fields[n++] = p;
            char *comma = strchr(p, ',');
            if (!comma)
                return n;
            *comma = '\0';
            p = comma + 1;
        }
    }
}

static char *case_key(const char *model, const char *backend, const char *options, int repeat)
{
    size_t len = strlen(model) + strlen(backend) + strlen(options) + 32;
    char *key = malloc(len);
    if (key)
        snprintf(key, len, "%s\x1f%s\x1f%s\x1f%d", model, backend, options, repeat);
    return key;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- integrity: every case ends with a check row, then its status row ----------------
 *
 *   ...,case_check,<rows>,fnv1a64:<16 hex digits>
 *
 * <rows> counts the case's measurement rows and the hash is the 64-bit FNV-1a of their bytes
 * exactly as written.  A row deleted, edited or duplicated inside a finished case then fails
 * the check, and the file is refused with its line.  Files written before the check existed
 * have cases without it; those are read as before. */
#define STORE_CHECK_METRIC "case_check"

static unsigned long long fnv1a64(const char *data, size_t len)
{
    unsigned long long h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 1099511628211ULL;
    }
    return h;
}

typedef struct {
    char *key;
    int line;
} keyed_line;

static int compare_keyed(const void *a, const void *b)
{
    const keyed_line *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void free_keyed(keyed_line *k, int n)
{
    for (int i = 0; i < n; i++)
        free(k[i].key);
    free(k);
}

/* Walk the complete lines of a study file.  For every row, if rows != NULL, keep it; for
 * every status row, if keys != NULL, keep its case key.  *good_end is the offset just past
 * the last status row (everything after it belongs to an interrupted case).  0, or -1 with a
 * message (file:line) when the header is wrong, a row before the last status row is
 * malformed, a case fails its check row, or a case appears twice. */
static int scan_file(const char *path, const char *buf, size_t size, store_rows *rows,
                     char ***keys, int *nkeys, size_t *good_end, char *err, size_t errlen)
{
    const char *nl = memchr(buf, '\n', size);
    size_t header_len = strlen(STORE_HEADER);
    *good_end = 0;
    if (!nl) {
        /* empty, or only part of the header was written before a kill */
        if (size <= header_len && strncmp(buf, STORE_HEADER, size) == 0)
            return 0;
        snprintf(err, errlen, "%s is not an odegrad study file (its first line is not '%s'); move it away",
                 path, STORE_HEADER);
        return -1;
    }
    if ((size_t)(nl - buf) != header_len || strncmp(buf, STORE_HEADER, header_len) != 0) {
        snprintf(err, errlen, "%s is not an odegrad study file (its first line is not '%s'); move it away",
                 path, STORE_HEADER);
        return -1;
    }
    *good_end = (size_t)(nl - buf) + 1;
    int line = 1, kept = rows ? rows->n : 0, status = 0;
    size_t case_start = *good_end;        /* first byte of the current case */
    int case_rows = 0, checked = 0;       /* its measurement rows; its check row seen */
    keyed_line *seen = NULL;              /* every finished case, for duplicates */
    int nseen = 0;
    for (size_t pos = *good_end; pos < size && status == 0;) {
        const char *end = memchr(buf + pos, '\n', size - pos);
        if (!end)
            break;                     /* a row cut short: part of the interrupted tail */
        line++;
        const size_t row_start = pos;
        char *text = strndup(buf + pos, (size_t)(end - (buf + pos)));
        char *f[STORE_FIELDS];
        char *rest = NULL;
        long repeat = 0;
        double value = 0;
        int ok = text && memchr(buf + pos, '\0', (size_t)(end - (buf + pos))) == NULL &&
                 store_split_csv(text, f, STORE_FIELDS) == STORE_FIELDS;
        if (ok) {
            repeat = strtol(f[4], &rest, 10);
            ok = *f[4] && *rest == '\0' && repeat >= 0 && repeat <= 1000000;
        }
        if (ok) {
            /* the whole field is the number ("7x3001e-05" is not 7) */
            value = strtod(f[6], &rest);
            ok = *f[6] && *rest == '\0';
        }
        pos = (size_t)(end - buf) + 1;
        if (!ok) {
            /* a kill leaves at most a last line without its newline (skipped above), and the
             * next sweep cuts it away before appending: a complete malformed line is damage */
            free(text);
            snprintf(err, errlen, "%s:%d: malformed row (not 8 CSV fields with a number in "
                     "'value'); repair or move the file away", path, line);
            status = -1;
            break;
        }
        int is_status = strcmp(f[5], "status") == 0;
        int is_check = strcmp(f[5], STORE_CHECK_METRIC) == 0;
        if (is_status && !(value == CASE_OK || value == CASE_FAILED || value == CASE_TIMEOUT ||
                           value == CASE_CRASHED)) {
            snprintf(err, errlen, "%s:%d: a status row's value must be 0, 1, 2 or 3, not '%s'; "
                     "repair or move the file away", path, line, f[6]);
            status = -1;
        } else if (is_check) {
            char expected[40];
            snprintf(expected, sizeof expected, "fnv1a64:%016llx",
                     fnv1a64(buf + case_start, row_start - case_start));
            if (checked || value != case_rows || strcmp(f[7], expected) != 0) {
                snprintf(err, errlen, "%s:%d: case %s %s '%s' repeat %ld is damaged (%d rows where "
                         "its check row says %.0f%s); re-run it (--fresh) or move the file away",
                         path, line, f[1], f[2], f[3], repeat, case_rows, value,
                         value == case_rows ? ", and its bytes differ" : "");
                status = -1;
            }
            checked = 1;
        } else if (!is_status && checked) {
            snprintf(err, errlen, "%s:%d: a row between a case's check row and its status row; "
                     "repair or move the file away", path, line);
            status = -1;
        } else if (!is_status) {
            case_rows++;
        }
        if (status == 0 && rows && !is_check) {
            if (rows->n == rows->cap) {
                int cap = rows->cap ? 2 * rows->cap : 256;
                store_row *grown = realloc(rows->rows, (size_t)cap * sizeof *grown);
                if (!grown) {
                    free(text);
                    snprintf(err, errlen, "out of memory reading %s", path);
                    status = -1;
                    break;
                }
                rows->rows = grown;
                rows->cap = cap;
            }
            store_row *r = &rows->rows[rows->n++];
            r->study = strdup(f[0]);
            r->model = strdup(f[1]);
            r->backend = strdup(f[2]);
            r->options = strdup(f[3]);
            r->repeat = (int)repeat;
            r->metric = strdup(f[5]);
            r->value = value;
            r->unit = strdup(f[7]);
        }
        if (status == 0 && is_status) {
            *good_end = pos;
            case_start = pos;
            case_rows = checked = 0;
            if (rows)
                kept = rows->n;
            keyed_line *grown = realloc(seen, (size_t)(nseen + 1) * sizeof *grown);
            char *key = case_key(f[1], f[2], f[3], (int)repeat);
            if (!grown || !key) {
                free(key);
                if (grown)
                    seen = grown;
                snprintf(err, errlen, "out of memory reading %s", path);
                status = -1;
            } else {
                seen = grown;
                seen[nseen].key = key;
                seen[nseen++].line = line;
            }
        }
        free(text);
    }
    if (status == 0 && nseen > 1) {
        /* a case finished twice: a duplicated block, not a measurement */
        qsort(seen, (size_t)nseen, sizeof *seen, compare_keyed);
        for (int i = 1; i < nseen && status == 0; i++)
            if (strcmp(seen[i].key, seen[i - 1].key) == 0) {
                snprintf(err, errlen, "%s:%d: this case already finished at line %d (a duplicated "
                         "block); repair or move the file away", path, seen[i].line,
                         seen[i - 1].line);
                status = -1;
            }
    }
    if (status == 0 && keys) {
        char **grown = nseen ? realloc(*keys, (size_t)(*nkeys + nseen) * sizeof *grown) : *keys;
        if (nseen && !grown) {
            snprintf(err, errlen, "out of memory reading %s", path);
            status = -1;
        } else {
            *keys = grown;
            for (int i = 0; i < nseen; i++) {
                grown[(*nkeys)++] = seen[i].key;
                seen[i].key = NULL;
            }
        }
    }
    free_keyed(seen, nseen);
    /* rows of the interrupted tail (or of everything, on failure) are not results */
    while (rows && rows->n > (status == 0 ? kept : 0)) {
        store_row *r = &rows->rows[--rows->n];
        free(r->study); free(r->model); free(r->backend); free(r->options);
        free(r->metric); free(r->unit);
    }
    return status;
}

static char *read_all(int fd, size_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return NULL;
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = malloc(len + 1);
    while (buf && got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
        if (n <= 0) {
            free(buf);
            return NULL;
        }
        got += (size_t)n;
    }
    if (buf)
        buf[len] = '\0';
    *size = len;
    return buf;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Empty, or starting with the study header (possibly cut short by a kill)? */
static int looks_like_study(int fd)
{
    char head[sizeof STORE_HEADER + 1];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0)
        return 0;
    size_t len = (size_t)n, header_len = strlen(STORE_HEADER);
    if (len > header_len)
        return strncmp(head, STORE_HEADER, header_len) == 0 && head[header_len] == '\n';
    return strncmp(head, STORE_HEADER, len) == 0;
}

study_store *store_open(const char *dir, const char *study, int fresh, char *err, size_t errlen)
{
    if (store_make_dir(dir, err, errlen) != 0)
        return NULL;
    study_store *st = calloc(1, sizeof *st);
    size_t len = strlen(dir) + strlen(study) + 8;
    if (st)
        st->fd = -1;
    if (!st || !(st->path = malloc(len)) || !(st->study = strdup(study))) {
        snprintf(err, errlen, "out of memory");
        store_close(st);
        return NULL;
    }
    snprintf(st->path, len, "%s/%s.csv", dir, study);
    /* close-on-exec: a child holding the descriptor would hold the lock after we die */
    /* never through a symbolic link: --fresh would empty whatever it points at */
    st->fd = open(st->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (st->fd < 0) {
        if (errno == ELOOP)
            snprintf(err, errlen, "%s is a symbolic link, not a study file; move it away", st->path);
        else
            snprintf(err, errlen, "cannot open %s: %s", st->path, strerror(errno));
        store_close(st);
        return NULL;
    }
    struct stat info;
    if (fstat(st->fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file; move it away", st->path);
        store_close(st);
        return NULL;
    }
    if (flock(st->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s is in use by another odegrad bench; wait for it to finish", st->path);
        store_close(st);
        return NULL;
    }
    if (fresh && !looks_like_study(st->fd)) {
        snprintf(err, errlen, "%s is not an odegrad study file (its first line is not '%s'); "
                 "--fresh empties only study files: move it away", st->path, STORE_HEADER);
        store_close(st);
        return NULL;
    }
    if (fresh && ftruncate(st->fd, 0) != 0) {
        snprintf(err, errlen, "cannot empty %s: %s", st->path, strerror(errno));
        store_close(st);
        return NULL;
    }
    size_t size = 0, good_end = 0;
    char *buf = read_all(st->fd, &size);
    if (!buf || scan_file(st->path, buf, size, NULL, &st->done, &st->ndone, &good_end, err,
                          errlen) != 0) {
        if (!buf)
            snprintf(err, errlen, "cannot read %s", st->path);
        free(buf);
        store_close(st);
        return NULL;
    }
    free(buf);
    if (st->ndone > 0)
        qsort(st->done, (size_t)st->ndone, sizeof *st->done, compare_keys);
    if (good_end < size) {
        st->dropped = size - good_end;
        if (ftruncate(st->fd, (off_t)good_end) != 0) {
            snprintf(err, errlen, "cannot drop the interrupted case at the end of %s: %s",
                     st->path, strerror(errno));
            store_close(st);
            return NULL;
        }
    }
    if (good_end == 0 && write_all(st->fd, STORE_HEADER "\n", strlen(STORE_HEADER) + 1) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", st->path, strerror(errno));
        store_close(st);
        return NULL;
    }
    return st;
}

void store_close(study_store *st)
{
    if (!st)
        return;
    if (st->fd >= 0)
        close(st->fd);   /* releases the lock */
    for (int i = 0; i < st->ndone; i++)
        free(st->done[i]);
    free(st->done);
    free(st->path);
    free(st->study);
    free(st);
}

size_t store_dropped(const study_store *st) { return st->dropped; }
int store_ncases_done(const study_store *st) { return st->ndone; }

int store_is_done(const study_store *st, const char *model, const char *backend,
                  const char *options, int repeat)
{
    char *key = case_key(model, backend, options, repeat);
    int found = key && st->ndone > 0 &&
                bsearch(&key, st->done, (size_t)st->ndone, sizeof *st->done, compare_keys);
    free(key);
    return found;
}

int store_append_case(study_store *st, const char *model, const char *backend,
                      const char *options, int repeat, const metric_list *rows, int status,
                      const char *status_text, char *err, size_t errlen)
{
    char *block = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&block, &len);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char number[16];
    snprintf(number, sizeof number, "%d", repeat);
    const char *const keys[] = { st->study, model, backend, options, number };
    int nrows = 0;
    for (int i = 0; rows && i < rows->n; i++, nrows++)
        format_csv_measurement(f, keys, 5, rows->rows[i].name, rows->rows[i].value,
                               rows->rows[i].unit);
    /* the check row: how many rows the case has and a hash of their bytes */
    char check[40];
    if (fflush(f) != 0) {
        fclose(f);
        free(block);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(check, sizeof check, "fnv1a64:%016llx", fnv1a64(block, len));
    format_csv_measurement(f, keys, 5, STORE_CHECK_METRIC, nrows, check);
    /* the status row closes the case; its text is one line */
    char text[400];
    snprintf(text, sizeof text, "%s", status_text);
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    format_csv_measurement(f, keys, 5, "status", status, text);
    fclose(f);
    int bad = write_all(st->fd, block, len);
    free(block);
    if (bad) {
        snprintf(err, errlen, "cannot append to %s: %s", st->path, strerror(errno));
        return -1;
    }
    /* keep the index current so a spec listing a case twice does not run it twice */
    char *key = case_key(model, backend, options, repeat);
    char **grown = key ? realloc(st->done, (size_t)(st->ndone + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(key);
        return 0;
    }
    st->done = grown;
    st->done[st->ndone++] = key;
    qsort(st->done, (size_t)st->ndone, sizeof *st->done, compare_keys);
    return 0;
}

int store_read(const char *path, store_rows *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s (run the study first)", path, strerror(errno));
        return -1;
    }
    size_t size = 0, good_end = 0;
    char *buf = read_all(fd, &size);
    close(fd);
    if (!buf) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    int status = scan_file(path, buf, size, out, NULL, NULL, &good_end, err, errlen);
    free(buf);
    if (status != 0)
        store_rows_free(out);
    return status;
}

void store_rows_free(store_rows *rows)
{
    for (int i = 0; i < rows->n; i++) {
        store_row *r = &rows->rows[i];
        free(r->study); free(r->model); free(r->backend); free(r->options);
        free(r->metric); free(r->unit);
    }
    free(rows->rows);
    memset(rows, 0, sizeof *rows);
}
