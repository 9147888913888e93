/* farm_wire — packing tasks and outcomes into bytes and back. */
#include "farm_wire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wire_free(wire *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

static void put(wire *w, const void *p, size_t n)
{
    if (w->bad)
        return;
    if (w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n)
            cap *= 2;
        char *grown = realloc(w->data, cap);
        if (!grown) {
            w->bad = 1;
            return;
        }
        w->data = grown;
        w->cap = cap;
    }
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

static void put_i32(wire *w, int v)
{
    int32_t x = (int32_t)v;
    put(w, &x, sizeof x);
}

static void put_f64(wire *w, double v)
{
    put(w, &v, sizeof v);
}

static void put_u64(wire *w, size_t v)
{
    uint64_t x = (uint64_t)v;
    put(w, &x, sizeof x);
}

/* a string: its length, its bytes and a NUL (so that it can be used where it lies) */
static void put_str(wire *w, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    put_u64(w, n);
    put(w, s, n + 1);
}

static const void *get(wire *w, size_t n)
{
    if (w->bad || w->len - w->pos < n) {
        w->bad = 1;
        return NULL;
    }
    const void *p = w->data + w->pos;
    w->pos += n;
    return p;
}

static int get_i32(wire *w)
{
    int32_t x = 0;
    const void *p = get(w, sizeof x);
    if (p)
        memcpy(&x, p, sizeof x);
    return (int)x;
}

static double get_f64(wire *w)
{
    double x = 0;
    const void *p = get(w, sizeof x);
    if (p)
        memcpy(&x, p, sizeof x);
    return x;
}

static size_t get_u64(wire *w)
{
    uint64_t x = 0;
    const void *p = get(w, sizeof x);
    if (p)
        memcpy(&x, p, sizeof x);
    return (size_t)x;
}

/* a string where it lies in w, or NULL */
static char *get_str(wire *w)
{
    size_t n = get_u64(w);
    if (w->bad || n >= w->len - w->pos) {
        w->bad = 1;
        return NULL;
    }
    char *s = (char *)get(w, n + 1);
    if (s && s[n] != '\0') {
        w->bad = 1;
        return NULL;
    }
    return s;
}

void wire_put_task(wire *w, int item, double timeout, char *const argv[])
{
    int argc = 0;
    while (argv[argc])
        argc++;
    put_i32(w, item);
    put_f64(w, timeout);
    put_i32(w, argc);
    for (int i = 0; i < argc; i++)
        put_str(w, argv[i]);
}

int wire_get_task(wire *w, int *item, double *timeout, char ***argv)
{
    w->pos = 0;
    *item = get_i32(w);
    *timeout = get_f64(w);
    int argc = get_i32(w);
    *argv = NULL;
    if (w->bad || argc < 1 || (size_t)argc > w->len)
        return -1;
    char **a = malloc((size_t)(argc + 1) * sizeof *a);
    if (!a)
        return -1;
    for (int i = 0; i < argc; i++)
        a[i] = get_str(w);
    a[argc] = NULL;
    if (w->bad) {
        free(a);
        return -1;
    }
    *argv = a;
    return 0;
}

void wire_put_outcome(wire *w, int item, int started, const char *message, const child_outcome *o)
{
    put_i32(w, item);
    put_i32(w, started);
    put_str(w, message);
    if (!started)
        return;
    put_i32(w, o->exited);
    put_i32(w, o->exit_code);
    put_i32(w, o->signal);
    put_i32(w, o->timed_out);
    put_f64(w, o->seconds);
    put_f64(w, o->cpu_seconds);
    put_u64(w, o->peak_rss);
    put_str(w, o->out);
    put_str(w, o->err);
}

int wire_get_outcome(wire *w, int *item, int *started, char *message, size_t msglen,
                     child_outcome *o)
{
    memset(o, 0, sizeof *o);
    w->pos = 0;
    *item = get_i32(w);
    *started = get_i32(w);
    const char *text = get_str(w);
    if (w->bad)
        return -1;
    snprintf(message, msglen, "%s", text);
    if (!*started)
        return 0;
    o->exited = get_i32(w);
    o->exit_code = get_i32(w);
    o->signal = get_i32(w);
    o->timed_out = get_i32(w);
    o->seconds = get_f64(w);
    o->cpu_seconds = get_f64(w);
    o->peak_rss = get_u64(w);
    const char *out = get_str(w), *err = get_str(w);
    if (w->bad)
        return -1;
    o->out = strdup(out);
    o->err = strdup(err);
    if (!o->out || !o->err) {
        child_outcome_free(o);
        return -1;
    }
    return 0;
}
