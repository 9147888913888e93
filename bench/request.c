/* request — reading and checking a gradient/Hessian request from the command line. */
#include "request.h"

#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "registry.h"

const args_opt request_options[] = {
    { "model", "M", "model name (see 'odegrad list')", 0 },
    { "method", "B", "backend name (see 'odegrad list')", 0 },
    { "theta", "v1,v2,...", "parameter vector on the parameters' scales (default: nominal)", 0 },
    { "rtol", "R", "relative tolerance (default: the model's)", 0 },
    { "atol", "A", "absolute tolerance (default: the model's)", 0 },
    { "rtol-b", "R", "relative tolerance of backward passes (default: --rtol)", 0 },
    { "atol-b", "A", "absolute tolerance of backward passes (default: --atol)", 0 },
    { "solver", "S", "integrator: bdf, adams (CVODES) or one of ours, see 'odegrad list' (default: the backend's)", 0 },
    { "max-steps", "N", "step limit per integration (default 1000000)", 0 },
    { "mem-cap", "BYTES", "bytes the backend may hold, suffix k/M/G allowed (default: no cap)", 0 },
    { "opt", "key=value", "backend option (see 'odegrad list')", 1 },
    { NULL, NULL, NULL, 0 }
};

const args_opt request_direction_option[] = {
    { "direction", "v1,v2,...", "direction of a Hessian-vector product", 0 },
    { NULL, NULL, NULL, 0 }
};

/* Append ", item" (or "item" first) to out. */
static void list_append(char *out, size_t outlen, const char *item)
{
    size_t used = strlen(out);
    if (used < outlen)
        snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", item);
}

void request_unknown_backend(const char *name, char *err, size_t errlen)
{
    char known[400] = "";
    for (int i = 0; method_types[i]; i++)
        list_append(known, sizeof known, method_types[i]->name);
    snprintf(err, errlen, "unknown backend '%s'; valid backends: %s", name,
             known[0] ? known : "(none built yet)");
}

int request_parse_bytes(const char *text, const char *what, size_t *out, char *err, size_t errlen)
{
    static const struct { char suffix; double factor; } units[] = {
        { 'k', 1024.0 }, { 'K', 1024.0 }, { 'M', 1048576.0 }, { 'G', 1073741824.0 } };
    char number[64];
    double factor = 1, value;
    size_t len = strlen(text);
    snprintf(number, sizeof number, "%s", text);
    for (size_t i = 0; len > 1 && len < sizeof number && i < sizeof units / sizeof units[0]; i++)
        if (text[len - 1] == units[i].suffix) {
            factor = units[i].factor;
            number[len - 1] = '\0';
        }
    if (parse_positive(number, what, &value, err, errlen) != 0)
        return -1;
    value *= factor;
    if (value >= 1.8e19) {
        snprintf(err, errlen, "%s: %s is too large", what, text);
        return -1;
    }
    *out = (size_t)value;
    return 0;
}

/* Record "name=value" in the options text. */
static void note_option(cli_request *rq, const char *name, const char *value)
{
    size_t used = strlen(rq->options_text);
    if (used < sizeof rq->options_text)
        snprintf(rq->options_text + used, sizeof rq->options_text - used, "%s%s=%s",
                 used ? " " : "", name, value);
}

/* The common options by their flag names, where each one lands in method_options. */
static int set_common(cli_request *rq, const char *key, const char *value, char *err,
                      size_t errlen)
{
    const struct { const char *flag; double *into; } tolerances[] = {
        { "rtol", &rq->opts.rtol }, { "atol", &rq->opts.atol },
        { "rtol-b", &rq->opts.rtol_b }, { "atol-b", &rq->opts.atol_b } };
    char what[32];
    snprintf(what, sizeof what, "--%s", key);
    for (size_t i = 0; i < sizeof tolerances / sizeof tolerances[0]; i++)
        if (strcmp(key, tolerances[i].flag) == 0)
            return parse_positive(value, what, tolerances[i].into, err, errlen) ? -1 : 1;
    if (strcmp(key, "solver") == 0) {
        if (!*value) {
            snprintf(err, errlen, "--solver needs a name");
            return -1;
        }
        rq->opts.solver = value;
        return 1;
    }
    if (strcmp(key, "max-steps") == 0)
        return parse_long(value, what, 1, 1000000000L, &rq->opts.max_steps, err, errlen) ? -1 : 1;
    if (strcmp(key, "mem-cap") == 0)
        return request_parse_bytes(value, what, &rq->opts.mem_cap, err, errlen) ? -1 : 1;
    return 0;
}

int request_set_option(cli_request *rq, const char *key, const char *value, char *err,
                       size_t errlen)
{
    int common = set_common(rq, key, value, err, errlen);
    if (common < 0)
        return -1;
    if (!common) {
        if (rq->opts.nkv >= METHOD_MAX_KV) {
            snprintf(err, errlen, "too many backend options (at most %d)", METHOD_MAX_KV);
            return -1;
        }
        char *copy = strdup(key);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        rq->opt_key[rq->opts.nkv] = copy;
        rq->opts.key[rq->opts.nkv] = copy;
        rq->opts.value[rq->opts.nkv] = value;
        rq->opts.nkv++;
    }
    note_option(rq, key, value);
    return 0;
}

/* Every common flag and --opt, in the order given (so the options text follows it). */
static int read_options(cli_request *rq, const args_list *a, char *err, size_t errlen)
{
    for (int i = 0; i < a->n; i++) {
        const char *name = a->item[i].opt->name, *value = a->item[i].value;
        if (strcmp(name, "opt") == 0) {
            char *key = NULL;
            int bad = parse_key_value(value, "--opt", &key, &value, err, errlen) ||
                      request_set_option(rq, key, value, err, errlen);
            free(key);
            if (bad)
                return -1;
        } else {
            int common = set_common(rq, name, value, err, errlen);   /* 0: not a common flag */
            if (common < 0)
                return -1;
            if (common)
                note_option(rq, name, value);
        }
    }
    return 0;
}

/* θ or a direction: np finite values */
int request_read_vector(const char *text, const char *flag, const model *m, double **out,
                        char *err, size_t errlen)
{
    int count = 0;
    if (parse_vector(text, flag, out, &count, err, errlen) != 0)
        return -1;
    if (count != m->np) {
        char names[300] = "";
        for (int i = 0; i < m->np && i < 12; i++)
            list_append(names, sizeof names, m->params[i].name);
        snprintf(err, errlen, "%s has %d value%s but model %s has %d parameter%s (%s%s)", flag,
                 count, count == 1 ? "" : "s", m->name, m->np, m->np == 1 ? "" : "s", names,
                 m->np > 12 ? ", ..." : "");
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

void request_init(cli_request *rq, method_want want)
{
    memset(rq, 0, sizeof *rq);
    method_options_init(&rq->opts);
    rq->opts.want = want;
}

int request_open(cli_request *rq, const args_list *a, method_want want, char *err, size_t errlen)
{
    request_init(rq, want);
    const char *model_name = args_get(a, "model");
    const char *method_name = args_get(a, "method");
    if (!model_name || !*model_name) {
        snprintf(err, errlen, "--model is required (see 'odegrad list' for the models)");
        return -1;
    }
    if (!method_name || !*method_name) {
        snprintf(err, errlen, "--method is required (see 'odegrad list' for the backends)");
        return -1;
    }
    rq->type = method_find(method_name);
    if (!rq->type) {
        request_unknown_backend(method_name, err, errlen);
        return -1;
    }
    if (read_options(rq, a, err, errlen) != 0)
        return -1;
    rq->model = model_create(model_name, err, errlen);
    if (!rq->model)
        return -1;
    const char *text = args_get(a, "theta");
    if (text) {
        if (request_read_vector(text, "--theta", rq->model, &rq->theta, err, errlen) != 0)
            return -1;
    } else {
        rq->theta = malloc((size_t)(rq->model->np > 0 ? rq->model->np : 1) * sizeof *rq->theta);
        if (!rq->theta) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        model_nominal(rq->model, rq->theta);
    }
    if ((text = args_get(a, "direction"))) {
        if (request_read_vector(text, "--direction", rq->model, &rq->direction, err, errlen) != 0)
            return -1;
        rq->opts.direction = rq->direction;
    }
    return method_check(rq->type, rq->model, &rq->opts, err, errlen) == METHOD_OK ? 0 : -1;
}

void request_close(cli_request *rq)
{
    if (rq->model)
        model_destroy(rq->model);
    free(rq->theta);
    free(rq->direction);
    for (int i = 0; i < METHOD_MAX_KV; i++)
        free(rq->opt_key[i]);
    memset(rq, 0, sizeof *rq);
}
