/* spec — loading, checking and expanding a bench spec file (format in spec.h). */
#include "spec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "parse.h"
#include "refcache.h"
#include "request.h"
#include "validate.h"
#include "registry.h"

/* Defaults of a spec's settings. */
static const struct {
    int repeats;
    double timeout;            /* seconds per case */
    double reference_timeout;  /* seconds per reference gradient */
    int max_repeats;
    double max_timeout;
} spec_defaults = { 1, 300.0, 300.0, 1000, 86400.0 };

#define SPEC_MAX_TOKENS 256
#define SPEC_MAX_BYTES (1L << 20)   /* a spec is a short text file */
#define SPEC_MAX_SETS 100000        /* option sets over all 'options' lines */

typedef struct {
    int line;
    char *backend;
    int npairs;
    spec_pair *pairs;
} option_set;

typedef struct {
    char *name;
    int line;
} spec_name;

/* a `theta MODEL v1,v2,...` line; key: the θ's cache key (refcache.h), which the cases'
 * options text carries as "theta=<key>" so that a changed θ makes new cases */
typedef struct {
    char *model, *values;
    int line;
    char key[17];
} spec_point;

struct bench_spec {
    char *path;
    char study[64];
    spec_name *models;      /* as written (may hold {n}) */
    int nmodels;
    char **expanded;        /* model names after {n} substitution, distinct */
    int nexpanded;
    long *sizes;
    int nsizes, sizes_line;
    spec_name *backends;    /* as written */
    int nbackends;
    const method_type **types;   /* resolved, distinct */
    int ntypes;
    spec_pair *tols;        /* key "rtol"/"atol" pairs, two per entry (atol may be NULL) */
    int ntols, tol_line;
    option_set *sets;
    int nsets;
    spec_point *points;     /* `theta` lines */
    int npoints;
    int repeats;
    double timeout, reference_timeout;
    int no_reference;       /* `reference none`: measure without a reference */
    method_want want;
    int seen[8];            /* line of each once-only directive (0: not yet) */
    spec_case *cases;
    int ncases;
};

enum { SEEN_STUDY, SEEN_SIZES, SEEN_WANT, SEEN_TOL, SEEN_REPEATS, SEEN_TIMEOUT, SEEN_REF_TIMEOUT,
       SEEN_REFERENCE };

/* ---- small helpers --------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *path, int line, const char *reason)
{
    if (line > 0)
        snprintf(err, errlen, "%s:%d: %s", path, line, reason);
    else
        snprintf(err, errlen, "%s: %s", path, reason);
    return -1;
}

static void *grow(void *array, int count, size_t size)
{
    /* room for one more element; arrays grow in powers of two */
    if (count & (count - 1))
        return array;
    return realloc(array, (size_t)(count ? 2 * count : 1) * size);
}

static int push_name(spec_name **names, int *count, const char *text, int line)
{
    spec_name *grown = grow(*names, *count, sizeof **names);
    if (!grown)
        return -1;
    *names = grown;
    grown[*count].name = strdup(text);
    grown[*count].line = line;
    if (!grown[*count].name)
        return -1;
    (*count)++;
    return 0;
}

static int once(bench_spec *s, int which, const char *word, int line, char *err, size_t errlen)
{
    char reason[128];
    if (s->seen[which]) {
        snprintf(reason, sizeof reason, "'%s' is given twice (first on line %d); keep one", word,
                 s->seen[which]);
        return fail(err, errlen, s->path, line, reason);
    }
    s->seen[which] = line;
    return 0;
}

/* ---- directives -------------------------------------------------------------------- */

static int read_study(bench_spec *s, int ntok, char **tok, int line, char *err, size_t errlen)
{
    if (ntok != 2)
        return fail(err, errlen, s->path, line, "'study' takes one name");
    size_t len = strlen(tok[1]);
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)tok[1][i]) && !strchr("._-", tok[1][i]))
            return fail(err, errlen, s->path, line,
                        "a study name may hold only letters, digits, '.', '_' and '-'");
    if (len >= sizeof s->study || tok[1][0] == '.')
        return fail(err, errlen, s->path, line, "a study name has 1 to 63 characters and does not start with '.'");
    snprintf(s->study, sizeof s->study, "%s", tok[1]);
    return 0;
}

static int read_sizes(bench_spec *s, int ntok, char **tok, int line, char *err, size_t errlen)
{
    char reason[300];
    if (ntok < 2)
        return fail(err, errlen, s->path, line, "'sizes' needs at least one whole number");
    s->sizes = calloc((size_t)ntok, sizeof *s->sizes);
    if (!s->sizes)
        return fail(err, errlen, s->path, line, "out of memory");
    for (int i = 1; i < ntok; i++)
        if (parse_long(tok[i], "size", 1, 1000000, &s->sizes[s->nsizes++], reason, sizeof reason))
            return fail(err, errlen, s->path, line, reason);
    s->sizes_line = line;
    return 0;
}

static int read_want(bench_spec *s, int ntok, char **tok, int line, char *err, size_t errlen)
{
    if (ntok == 2 && strcmp(tok[1], "gradient") == 0)
        s->want = WANT_GRADIENT;
    else if (ntok == 2 && strcmp(tok[1], "hessian") == 0)
        s->want = WANT_HESSIAN;
    else
        return fail(err, errlen, s->path, line, "'want' is gradient or hessian");
    return 0;
}

static int read_tol(bench_spec *s, int ntok, char **tok, int line, char *err, size_t errlen)
{
    char reason[300];
    if (ntok < 2)
        return fail(err, errlen, s->path, line, "'tol' needs at least one rtol or rtol/atol");
    s->tols = calloc((size_t)(2 * ntok), sizeof *s->tols);
    if (!s->tols)
        return fail(err, errlen, s->path, line, "out of memory");
    for (int i = 1; i < ntok; i++) {
        char *slash = strchr(tok[i], '/');
        double v;
        spec_pair *p = &s->tols[2 * s->ntols++];
        p[0].key = strdup("rtol");
        p[0].value = slash ? strndup(tok[i], (size_t)(slash - tok[i])) : strdup(tok[i]);
        if (slash) {
            p[1].key = strdup("atol");
            p[1].value = strdup(slash + 1);
        }
        if (!p[0].key || !p[0].value || (slash && (!p[1].key || !p[1].value)))
            return fail(err, errlen, s->path, line, "out of memory");
        if (parse_positive(p[0].value, "rtol", &v, reason, sizeof reason) ||
            validate_tolerance(v, "rtol", reason, sizeof reason) ||
            (slash && (parse_positive(p[1].value, "atol", &v, reason, sizeof reason) ||
                       validate_tolerance(v, "atol", reason, sizeof reason))))
            return fail(err, errlen, s->path, line, reason);
    }
    s->tol_line = line;
    return 0;
}

static int read_count(bench_spec *s, int ntok, char **tok, int line, int *out, char *err,
                      size_t errlen)
{
    char reason[300];
    long v;
    if (ntok != 2)
        return fail(err, errlen, s->path, line, "'repeats' takes one whole number");
    if (parse_long(tok[1], "repeats", 1, spec_defaults.max_repeats, &v, reason, sizeof reason))
        return fail(err, errlen, s->path, line, reason);
    *out = (int)v;
    return 0;
}

static int read_timeout(bench_spec *s, int ntok, char **tok, int line, double *out, char *err,
                        size_t errlen)
{
    char reason[300];
    if (ntok != 2)
        return fail(err, errlen, s->path, line, "a timeout takes one number of seconds");
    if (parse_positive(tok[1], tok[0], out, reason, sizeof reason))
        return fail(err, errlen, s->path, line, reason);
    if (*out > spec_defaults.max_timeout)
        return fail(err, errlen, s->path, line, "a timeout is at most 86400 seconds");
    return 0;
}

/* theta MODEL v1,v2,... : kept as text, checked against the model once models are known */
static int read_theta(bench_spec *s, int ntok, char **tok, int line, char *err, size_t errlen)
{
    if (ntok != 3)
        return fail(err, errlen, s->path, line,
                    "'theta' takes a model name and its values, e.g. theta jakstat 0.6,3,...");
    spec_point *grown = grow(s->points, s->npoints, sizeof *s->points);
    if (!grown)
        return fail(err, errlen, s->path, line, "out of memory");
    s->points = grown;
    spec_point *p = &grown[s->npoints++];
    p->model = strdup(tok[1]);
    p->values = strdup(tok[2]);
    p->line = line;
    if (!p->model || !p->values)
        return fail(err, errlen, s->path, line, "out of memory");
    return 0;
}

/* One option set: the idx-th combination of the value lists (an odometer over them);
 * items[k] holds the nvalues[k] values of key k. */
static int make_set(option_set *set, const char *backend, int nkeys, char **keys,
                    char **const *items, const int *nvalues, long idx)
{
    set->backend = strdup(backend);
    set->npairs = nkeys;
    set->pairs = calloc((size_t)(nkeys ? nkeys : 1), sizeof *set->pairs);
    if (!set->backend || !set->pairs)
        return -1;
    for (int k = nkeys - 1; k >= 0; k--) {
        long which = idx % nvalues[k];
        idx /= nvalues[k];
        set->pairs[k].key = strdup(keys[k]);
        set->pairs[k].value = strdup(items[k][which]);
        if (!set->pairs[k].key || !set->pairs[k].value)
            return -1;
    }
    return 0;
}

static int read_options(bench_spec *s, int ntok, char **tok, int line, char *err, size_t errlen)
{
    char reason[300];
    if (ntok < 2)
        return fail(err, errlen, s->path, line, "'options' needs a backend name and key=value pairs");
    int nkeys = ntok - 2, status = 0;
    char *keys[SPEC_MAX_TOKENS], **items[SPEC_MAX_TOKENS];
    int nvalues[SPEC_MAX_TOKENS];
    long combos = 1;
    for (int k = 0; k < nkeys; k++) {
        const char *value;
        items[k] = NULL;
        if (parse_key_value(tok[k + 2], "an option", &keys[k], &value, reason, sizeof reason)) {
            nkeys = k;
            status = fail(err, errlen, s->path, line, reason);
            break;
        }
        nvalues[k] = 1;
        for (const char *c = value; *c; c++)
            nvalues[k] += *c == ',';
        if (strstr(value, ",,") || value[strlen(value) - 1] == ',') {
            snprintf(reason, sizeof reason, "option %s has an empty value in its list", keys[k]);
            status = fail(err, errlen, s->path, line, reason);
        }
        /* checked before multiplying: the product of many long lists overflows a long */
        if (status == 0 && combos > (SPEC_MAX_SETS - s->nsets) / nvalues[k])
            status = fail(err, errlen, s->path, line,
                          "the options lines expand to more than 100000 option sets");
        if (status != 0) {
            nkeys = k + 1;
            break;
        }
        combos *= nvalues[k];
        /* split the list in place once (the line's text is ours): each set then takes its
         * value by index, in time linear in the sets */
        if (!(items[k] = malloc(sizeof(char *) * (size_t)nvalues[k]))) {
            nkeys = k + 1;
            status = fail(err, errlen, s->path, line, "out of memory");
            break;
        }
        char *p = (char *)value;
        for (int v = 0; v < nvalues[k]; v++) {
            items[k][v] = p;
            char *comma = strchr(p, ',');
            if (comma) {
                *comma = '\0';
                p = comma + 1;
            }
        }
    }
    for (long c = 0; status == 0 && c < combos; c++) {
        option_set *grown = grow(s->sets, s->nsets, sizeof *s->sets);
        if (!grown) {
            status = fail(err, errlen, s->path, line, "out of memory");
            break;
        }
        s->sets = grown;
        option_set *set = &s->sets[s->nsets++];
        memset(set, 0, sizeof *set);
        set->line = line;
        if (make_set(set, tok[1], nkeys, keys, (char **const *)items, nvalues, c) != 0)
            status = fail(err, errlen, s->path, line, "out of memory");
    }
    for (int k = 0; k < nkeys; k++) {
        free(keys[k]);
        free(items[k]);
    }
    return status;
}

/* ---- reading the file ---------------------------------------------------------------- */

static int read_line(bench_spec *s, char *text, int line, char *err, size_t errlen)
{
    char *tok[SPEC_MAX_TOKENS], reason[300];
    int ntok = 0;
    char *hash = strchr(text, '#');
    if (hash)
        *hash = '\0';
    for (char *p = strtok(text, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
        if (ntok == SPEC_MAX_TOKENS)
            return fail(err, errlen, s->path, line, "too many words on one line (at most 256)");
        tok[ntok++] = p;
    }
    if (ntok == 0)
        return 0;
    const char *word = tok[0];
    if (strcmp(word, "study") == 0)
        return once(s, SEEN_STUDY, word, line, err, errlen) || read_study(s, ntok, tok, line, err, errlen);
    if (strcmp(word, "sizes") == 0)
        return once(s, SEEN_SIZES, word, line, err, errlen) || read_sizes(s, ntok, tok, line, err, errlen);
    if (strcmp(word, "want") == 0)
        return once(s, SEEN_WANT, word, line, err, errlen) || read_want(s, ntok, tok, line, err, errlen);
    if (strcmp(word, "tol") == 0)
        return once(s, SEEN_TOL, word, line, err, errlen) || read_tol(s, ntok, tok, line, err, errlen);
    if (strcmp(word, "repeats") == 0)
        return once(s, SEEN_REPEATS, word, line, err, errlen) ||
               read_count(s, ntok, tok, line, &s->repeats, err, errlen);
    if (strcmp(word, "timeout") == 0)
        return once(s, SEEN_TIMEOUT, word, line, err, errlen) ||
               read_timeout(s, ntok, tok, line, &s->timeout, err, errlen);
    if (strcmp(word, "reference_timeout") == 0)
        return once(s, SEEN_REF_TIMEOUT, word, line, err, errlen) ||
               read_timeout(s, ntok, tok, line, &s->reference_timeout, err, errlen);
    if (strcmp(word, "reference") == 0) {
        if (once(s, SEEN_REFERENCE, word, line, err, errlen))
            return -1;
        if (ntok != 2 || (strcmp(tok[1], "none") != 0 && strcmp(tok[1], "compute") != 0))
            return fail(err, errlen, s->path, line, "'reference' is 'none' or 'compute'");
        s->no_reference = strcmp(tok[1], "none") == 0;
        return 0;
    }
    if (strcmp(word, "options") == 0)
        return read_options(s, ntok, tok, line, err, errlen);
    if (strcmp(word, "theta") == 0)
        return read_theta(s, ntok, tok, line, err, errlen);
    if (strcmp(word, "models") == 0 || strcmp(word, "backends") == 0) {
        int is_models = word[0] == 'm';
        if (ntok < 2)
            return fail(err, errlen, s->path, line, is_models ? "'models' needs at least one name"
                                                                : "'backends' needs at least one name");
        for (int i = 1; i < ntok; i++)
            if (push_name(is_models ? &s->models : &s->backends,
                          is_models ? &s->nmodels : &s->nbackends, tok[i], line) != 0)
                return fail(err, errlen, s->path, line, "out of memory");
        return 0;
    }
    snprintf(reason, sizeof reason,
             "unknown directive '%s' (known: study, models, sizes, backends, want, tol, options, "
             "theta, repeats, timeout, reference_timeout, reference)", word);
    return fail(err, errlen, s->path, line, reason);
}

/* ---- checking what was read ---------------------------------------------------------- */

static int add_distinct(char ***names, int *count, const char *name)
{
    for (int i = 0; i < *count; i++)
        if (strcmp((*names)[i], name) == 0)
            return 0;
    char **grown = grow(*names, *count, sizeof **names);
    if (!grown)
        return -1;
    *names = grown;
    if (!(grown[*count] = strdup(name)))
        return -1;
    (*count)++;
    return 0;
}

/* Substitute {n} and make sure every model can be created. */
static int check_models(bench_spec *s, char *err, size_t errlen)
{
    char reason[600];
    int uses_size = 0;
    if (s->nmodels == 0)
        return fail(err, errlen, s->path, 0, "no models given (add a line 'models NAME ...')");
    for (int i = 0; i < s->nmodels; i++) {
        const char *name = s->models[i].name, *slot = strstr(name, "{n}");
        int count = slot ? s->nsizes : 1;
        if (slot && s->nsizes == 0) {
            snprintf(reason, sizeof reason, "model %s uses {n} but no 'sizes' line gives them", name);
            return fail(err, errlen, s->path, s->models[i].line, reason);
        }
        uses_size |= slot != NULL;
        for (int k = 0; k < count; k++) {
            char expanded[256];
            if (slot)
                snprintf(expanded, sizeof expanded, "%.*s%ld%s", (int)(slot - name), name,
                         s->sizes[k], slot + 3);
            else
                snprintf(expanded, sizeof expanded, "%s", name);
            model *m = model_create(expanded, reason, sizeof reason);
            if (!m)
                return fail(err, errlen, s->path, s->models[i].line, reason);
            model_destroy(m);
            if (add_distinct(&s->expanded, &s->nexpanded, expanded) != 0)
                return fail(err, errlen, s->path, s->models[i].line, "out of memory");
        }
    }
    if (s->nsizes && !uses_size)
        return fail(err, errlen, s->path, s->sizes_line, "'sizes' is given but no model name uses {n}");
    return 0;
}

/* Every `theta` line names a model of the spec once and gives its np finite values. */
static int check_points(bench_spec *s, char *err, size_t errlen)
{
    char reason[600];
    for (int i = 0; i < s->npoints; i++) {
        const spec_point *p = &s->points[i];
        int known = 0;
        for (int k = 0; k < s->nexpanded && !known; k++)
            known = strcmp(s->expanded[k], p->model) == 0;
        if (!known) {
            snprintf(reason, sizeof reason, "theta for model '%s', which is not in 'models'", p->model);
            return fail(err, errlen, s->path, p->line, reason);
        }
        for (int k = 0; k < i; k++)
            if (strcmp(s->points[k].model, p->model) == 0) {
                snprintf(reason, sizeof reason, "theta for model %s is given twice (first on line %d); keep one",
                         p->model, s->points[k].line);
                return fail(err, errlen, s->path, p->line, reason);
            }
        model *m = model_create(p->model, reason, sizeof reason);
        double *values = NULL;
        int bad = !m || request_read_vector(p->values, "theta", m, &values, reason, sizeof reason) != 0 ||
                  validate_theta(m, values, 0, reason, sizeof reason) != 0;
        if (!bad)
            refcache_key(values, m->np, s->points[i].key);
        free(values);
        model_destroy(m);
        if (bad)
            return fail(err, errlen, s->path, p->line, reason);
    }
    return 0;
}

static int add_type(bench_spec *s, const method_type *t)
{
    for (int i = 0; i < s->ntypes; i++)
        if (s->types[i] == t)
            return 0;
    const method_type **grown = grow(s->types, s->ntypes, sizeof *s->types);
    if (!grown)
        return -1;
    s->types = grown;
    grown[s->ntypes++] = t;
    return 0;
}

static unsigned want_cap(method_want want)
{
    return want == WANT_HESSIAN ? CAP_HESSIAN : want == WANT_HVP ? CAP_HVP : CAP_GRADIENT;
}

/* Does a set of options (pairs) pass the backend's checks?  0, or -1 with the reason. */
static int check_pairs(const method_type *t, method_want want, const spec_pair *pairs,
                       int npairs, char *reason, size_t len)
{
    cli_request rq;
    request_init(&rq, want);
    rq.type = t;
    int status = 0;
    for (int k = 0; k < npairs && status == 0; k++)
        status = request_set_option(&rq, pairs[k].key, pairs[k].value, reason, len);
    if (status == 0 && method_check(t, NULL, &rq.opts, reason, len) != METHOD_OK)
        status = -1;
    request_close(&rq);
    return status;
}

static int check_backends(bench_spec *s, char *err, size_t errlen)
{
    char reason[600];
    if (s->nbackends == 0)
        return fail(err, errlen, s->path, 0, "no backends given (add a line 'backends NAME ...' or 'backends all')");
    for (int i = 0; i < s->nbackends; i++) {
        const char *name = s->backends[i].name;
        int line = s->backends[i].line;
        if (strcmp(name, "all") == 0) {
            for (int k = 0; method_types[k]; k++)
                if ((method_types[k]->caps & want_cap(s->want)) && add_type(s, method_types[k]))
                    return fail(err, errlen, s->path, line, "out of memory");
            continue;
        }
        const method_type *t = method_find(name);
        if (!t) {
            request_unknown_backend(name, reason, sizeof reason);
            return fail(err, errlen, s->path, line, reason);
        }
        if (check_pairs(t, s->want, NULL, 0, reason, sizeof reason) != 0)
            return fail(err, errlen, s->path, line, reason);
        if (add_type(s, t) != 0)
            return fail(err, errlen, s->path, line, "out of memory");
    }
    if (s->ntypes == 0)
        return fail(err, errlen, s->path, s->backends[0].line,
                    "'backends all' found no built backend able to do what 'want' asks");
    for (int i = 0; i < s->nsets; i++) {
        const option_set *set = &s->sets[i];
        const method_type *t = method_find(set->backend);
        int listed = 0;
        for (int k = 0; t && k < s->ntypes; k++)
            listed |= s->types[k] == t;
        if (!listed) {
            snprintf(reason, sizeof reason, "options for backend '%s', which is not in 'backends'",
                     set->backend);
            return fail(err, errlen, s->path, set->line, reason);
        }
        if (check_pairs(t, s->want, set->pairs, set->npairs, reason, sizeof reason) != 0)
            return fail(err, errlen, s->path, set->line, reason);
    }
    return 0;
}

/* ---- the cases ------------------------------------------------------------------------ */

static int join_pairs(char *out, size_t outlen, const spec_pair *pairs, int npairs)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < npairs; k++) {
        int n = snprintf(out + used, outlen - used, "%s%s=%s", used ? " " : "", pairs[k].key,
                         pairs[k].value);
        if (n < 0 || (size_t)n >= outlen - used)
            return -1;
        used += (size_t)n;
    }
    return 0;
}

/* pairs of case: the tolerance entry (if any) then the option set (if any); its options text
 * ends with "theta=<key>" when the spec gives the model's θ */
static int build_case(spec_case *c, const spec_pair *tol, const option_set *set,
                      const spec_point *point)
{
    int ntol = tol ? (tol[1].key ? 2 : 1) : 0, nset = set ? set->npairs : 0;
    spec_pair *pairs = calloc((size_t)(ntol + nset + 1), sizeof *pairs);
    char text[1024];
    if (!pairs)
        return -1;
    for (int k = 0; k < ntol; k++)
        pairs[k] = tol[k];
    for (int k = 0; k < nset; k++)
        pairs[ntol + k] = set->pairs[k];
    c->pairs = pairs;
    c->npairs = ntol + nset;
    if (join_pairs(text, sizeof text, pairs, c->npairs) != 0)
        return -1;
    if (point) {
        size_t used = strlen(text);
        if (snprintf(text + used, sizeof text - used, "%stheta=%s", used ? " " : "", point->key) >=
            (int)(sizeof text - used))
            return -1;
    }
    return (c->options = strdup(text)) ? 0 : -1;
}

static const spec_point *point_of(const bench_spec *s, const char *name)
{
    for (int i = 0; i < s->npoints; i++)
        if (strcmp(s->points[i].model, name) == 0)
            return &s->points[i];
    return NULL;
}

static int add_case(bench_spec *s, const char *model_name, const method_type *t,
                    const spec_pair *tol, const option_set *set)
{
    const spec_point *point = point_of(s, model_name);
    spec_case proto = { model_name, t->name, NULL, 0, NULL, 0, point ? point->values : NULL };
    if (build_case(&proto, tol, set, point) != 0)
        return -1;
    for (int r = 1; r <= s->repeats; r++) {
        spec_case *grown = grow(s->cases, s->ncases, sizeof *s->cases);
        if (!grown)
            return -1;   /* proto's arrays leak only when memory has run out */
        s->cases = grown;
        grown[s->ncases] = proto;
        grown[s->ncases].repeat = r;
        s->ncases++;
    }
    return 0;
}

/* models × backends × option sets × tolerances × repeats, in that nesting */
static int expand_cases(bench_spec *s, char *err, size_t errlen)
{
    int ntols = s->ntols ? s->ntols : 1;
    for (int mi = 0; mi < s->nexpanded; mi++)
        for (int bi = 0; bi < s->ntypes; bi++) {
            const method_type *t = s->types[bi];
            int has_sets = 0;
            for (int k = 0; k < s->nsets; k++)
                has_sets |= method_find(s->sets[k].backend) == t;
            for (int si = 0; si < (has_sets ? s->nsets : 1); si++) {
                const option_set *set = has_sets ? &s->sets[si] : NULL;
                if (set && method_find(set->backend) != t)
                    continue;
                for (int ti = 0; ti < ntols; ti++)
                    if (add_case(s, s->expanded[mi], t, s->ntols ? &s->tols[2 * ti] : NULL, set))
                        return fail(err, errlen, s->path, 0, "out of memory or an options line too long");
            }
        }
    return 0;
}

/* A set may not repeat a key the tolerance sweep sets. */
static int check_overlap(const bench_spec *s, char *err, size_t errlen)
{
    for (int i = 0; s->ntols && i < s->nsets; i++)
        for (int k = 0; k < s->sets[i].npairs; k++) {
            const char *key = s->sets[i].pairs[k].key;
            if (strcmp(key, "rtol") == 0 || strcmp(key, "atol") == 0)
                return fail(err, errlen, s->path, s->sets[i].line,
                            "rtol/atol are set by the 'tol' line; remove them from the options");
        }
    return 0;
}

bench_spec *spec_load(const char *path, char *err, size_t errlen)
{
    bench_spec *s = calloc(1, sizeof *s);
    FILE *f = fopen(path, "r");
    if (!s || !f) {
        snprintf(err, errlen, "%s: cannot read the spec file (does it exist?)", path);
        free(s);
        if (f)
            fclose(f);
        return NULL;
    }
    s->path = strdup(path);
    s->repeats = spec_defaults.repeats;
    s->timeout = spec_defaults.timeout;
    s->reference_timeout = spec_defaults.reference_timeout;
    s->want = WANT_GRADIENT;
    char *text = NULL;
    size_t cap = 0;
    int line = 0, status = s->path ? 0 : -1;
    struct stat info;
    if (status == 0 && (fstat(fileno(f), &info) != 0 || !S_ISREG(info.st_mode)))
        status = fail(err, errlen, path, 0, "is not a regular file (a spec is a text file)");
    if (status == 0 && info.st_size > SPEC_MAX_BYTES)
        status = fail(err, errlen, path, 0, "is larger than 1 MiB; a spec is a short text file");
    ssize_t got;
    while (status == 0 && (got = getline(&text, &cap, f)) >= 0) {
        ++line;
        if (strlen(text) != (size_t)got)
            status = fail(err, errlen, path, line, "holds a NUL byte; a spec is plain text");
        else
            status = read_line(s, text, line, err, errlen);
    }
    free(text);
    fclose(f);
    if (status == 0 && !s->seen[SEEN_STUDY]) {
        /* the file's base name without its extension */
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t len = strcspn(base, ".");
        char *tok[2] = { "study", NULL };
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), base);
        tok[1] = name;
        status = read_study(s, 2, tok, 0, err, errlen);
    }
    if (status == 0)
        status = check_models(s, err, errlen);
    if (status == 0)
        status = check_points(s, err, errlen);
    if (status == 0)
        status = check_backends(s, err, errlen);
    if (status == 0)
        status = check_overlap(s, err, errlen);
    if (status == 0)
        status = expand_cases(s, err, errlen);
    if (status != 0) {
        spec_free(s);
        return NULL;
    }
    return s;
}

void spec_free(bench_spec *s)
{
    if (!s)
        return;
    /* cases share their pairs' strings with the tolerances and sets; each proto's pair array
     * and options text is shared by its repeats, so free them at repeat 1 only */
    for (int i = 0; i < s->ncases; i++)
        if (s->cases[i].repeat == 1) {
            free((void *)s->cases[i].pairs);
            free((void *)s->cases[i].options);
        }
    free(s->cases);
    for (int i = 0; i < s->nsets; i++) {
        for (int k = 0; k < s->sets[i].npairs; k++) {
            free(s->sets[i].pairs[k].key);
            free(s->sets[i].pairs[k].value);
        }
        free(s->sets[i].pairs);
        free(s->sets[i].backend);
    }
    free(s->sets);
    for (int i = 0; i < 2 * s->ntols; i++) {
        free(s->tols[i].key);
        free(s->tols[i].value);
    }
    free(s->tols);
    for (int i = 0; i < s->nmodels; i++)
        free(s->models[i].name);
    free(s->models);
    for (int i = 0; i < s->npoints; i++) {
        free(s->points[i].model);
        free(s->points[i].values);
    }
    free(s->points);
    for (int i = 0; i < s->nbackends; i++)
        free(s->backends[i].name);
    free(s->backends);
    for (int i = 0; i < s->nexpanded; i++)
        free(s->expanded[i]);
    free(s->expanded);
    free(s->types);
    free(s->sizes);
    free(s->path);
    free(s);
}

const char *spec_study(const bench_spec *s) { return s->study; }
method_want spec_want(const bench_spec *s) { return s->want; }
double spec_timeout(const bench_spec *s) { return s->timeout; }
double spec_reference_timeout(const bench_spec *s) { return s->reference_timeout; }
int spec_no_reference(const bench_spec *s) { return s->no_reference; }
int spec_ncases(const bench_spec *s) { return s->ncases; }
const spec_case *spec_case_at(const bench_spec *s, int i) { return &s->cases[i]; }
int spec_nmodels(const bench_spec *s) { return s->nexpanded; }
const char *spec_model(const bench_spec *s, int i) { return s->expanded[i]; }
const char *spec_theta(const bench_spec *s, const char *name)
{
    const spec_point *p = point_of(s, name);
    return p ? p->values : NULL;
}
