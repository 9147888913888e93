/* odegrad list — the models (sizes, parameters, data), the backends (capabilities and their
 * options with defaults) and our integrators (from their registry), so every name the other
 * commands accept is discoverable. */
#include <string.h>
#include "cvwrap.h"
#include "integrator.h"
#include "method.h"
#include "args.h"
#include "command.h"
#include "registry.h"

static const args_opt list_options[] = {
    { "model", "M", "describe one model instead (any model name, or petab:PATH): sizes, time "
                    "span, default tolerances, parameters with scale, nominal value and bounds, "
                    "states and observables", 0 },
    { NULL, NULL, NULL, 0 }
};

static const char *scale_name(param_scale s)
{
    return s == SCALE_LOG10 ? "log10" : s == SCALE_LN ? "ln" : "lin";
}

/* names in rows of at most ~90 characters */
static void list_names(FILE *f, const char *title, char (*names)[MODEL_NAME_LEN], int n)
{
    fprintf(f, "\n%s (%d):", title, n);
    int col = 90;
    for (int i = 0; i < n; i++) {
        const int len = (int)strlen(names[i]) + 1;
        if (col + len > 90) {
            fprintf(f, "\n ");
            col = 1;
        }
        fprintf(f, " %s", names[i]);
        col += len;
    }
    fprintf(f, "\n");
}

static int describe_model(const cli_env *env, const char *name)
{
    char err[1024];
    model *m = model_create(name, err, sizeof err);
    if (!m)
        return cli_usage_error(env, "list", "%s", err);
    FILE *f = env->out;
    fprintf(f, "model %s: %s\n", m->name, m->summary ? m->summary : "");
    fprintf(f, "states nx %d, parameters np %d, observables ny %d, constants %d, conditions %d, "
               "data points %d\n", m->nx, m->np, m->ny, m->nc, m->ncond, model_count_data(m));
    fprintf(f, "time span [%g, %g]; default rtol %g, atol %g; %s; %s%s\n", m->t0, m->tf, m->rtol,
            m->atol, m->stiff ? "marked stiff" : "not marked stiff",
            m->initial_prog ? "initial state given" : "initial state: a steady state",
            m->nbreak ? "; time breakpoints (only backends that carry their jumps run it)" : "");
    if (m->nbreak)
        fprintf(f, "time breakpoints: %d\n", m->nbreak);
    fprintf(f, "\nparameters (θ on its scale; bounds on the same scale):\n");
    fprintf(f, "  %-32s %-6s %14s %14s %14s  %s\n", "name", "scale", "nominal", "lower", "upper",
            "prior");
    for (int i = 0; i < m->np; i++) {
        const model_param *q = &m->params[i];
        fprintf(f, "  %-32s %-6s %14.8g %14.8g %14.8g  %s\n", q->name, scale_name(q->scale),
                q->nominal, q->lower, q->upper, q->prior == PRIOR_NONE ? "-" : "yes");
    }
    list_names(f, "states", m->state_names, m->nx);
    list_names(f, "observables", m->obs_names, m->ny);
    model_destroy(m);
    return CLI_OK;
}

static void list_models(FILE *f)
{
    fprintf(f, "models:\n  %-24s %5s %5s %5s %6s  %s\n", "name", "nx", "np", "cond", "data",
            "summary");
    for (int i = 0; model_types[i]; i++) {
        const model_type *t = model_types[i];
        char err[256];
        model *m = t->family ? NULL : model_create(t->name, err, sizeof err);
        if (m) {
            fprintf(f, "  %-24s %5d %5d %5d %6d  %s\n", t->pattern, m->nx, m->np, m->ncond,
                    model_count_data(m), t->summary);
            model_destroy(m);
        } else if (t->family) {
            fprintf(f, "  %-24s %5s %5s %5s %6s  %s\n", t->pattern, "-", "-", "-", "-", t->summary);
        } else {
            fprintf(f, "  %-24s (cannot be created: %s)\n", t->pattern, err);
        }
    }
}

static void caps_text(unsigned caps, char *out, size_t outlen)
{
    static const struct { unsigned cap; const char *word; } names[] = {
        { CAP_GRADIENT, "gradient" }, { CAP_HESSIAN, "hessian" }, { CAP_HVP, "hvp" },
        { CAP_STIFF, "stiff" }, { CAP_EXACT_DISCRETE, "exact-discrete" } };
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (caps & names[i].cap) {
            size_t used = strlen(out);
            snprintf(out + used, outlen - used, "%s%s", used ? "," : "", names[i].word);
        }
}

static void list_backends(FILE *f)
{
    fprintf(f, "\nbackends:\n");
    if (!method_types[0])
        fprintf(f, "  (none built yet)\n");
    for (int i = 0; method_types[i]; i++) {
        const method_type *t = method_types[i];
        char caps[128];
        caps_text(t->caps, caps, sizeof caps);
        fprintf(f, "  %-12s [%s] %s\n", t->name, caps, t->summary);
        for (const method_opt_spec *s = t->options; s && s->name; s++) {
            char range[160] = "";
            if (s->kind == OPT_CHOICE) {
                snprintf(range, sizeof range, "%s", s->choices ? s->choices : "");
            } else if (s->kind == OPT_SOLVER) {
                char names[128];
                snprintf(range, sizeof range, "auto|%s",
                         integrator_names(names, sizeof names, "|", 0));
            } else if (s->kind == OPT_BOOL) {
                snprintf(range, sizeof range, "on|off");
            } else {
                snprintf(range, sizeof range, "%s in [%g, %g]",
                         s->kind == OPT_INT ? "integer" : "number", s->min, s->max);
            }
            fprintf(f, "      --opt %s=<%s> (default %s) %s\n", s->name, range, s->fallback,
                    s->help ? s->help : "");
        }
    }
    fprintf(f, "\ncommon options of every backend: --rtol --atol --rtol-b --atol-b --solver "
               "--max-steps --mem-cap (see odegrad grad --help)\n");
}

static void list_integrators(FILE *f)
{
    fprintf(f, "\nintegrators of ours (--solver, --opt solver=...; CVODES's are %s and %s):\n",
            cv_family_name(CV_FAMILY_BDF), cv_family_name(CV_FAMILY_ADAMS));
    for (int i = 0; integrators[i]; i++) {
        const integrator *it = integrators[i];
        fprintf(f, "  %-12s order %d, %d stages, %s%s  %s\n", it->name, it->order, it->stages,
                it->adaptive ? "adaptive" : "fixed steps", it->stiff ? ", stiff" : "",
                it->summary);
    }
}

static int list_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { list_options, NULL };
    args_list a;
    char err[512];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "list", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad list [--model M]",
                  "Lists the models (states nx, parameters np, conditions, data points) and the\n"
                  "backends with their capabilities and options; with --model, describes one.",
                  tables);
        return CLI_OK;
    }
    if (args_has(&a, "model"))
        return describe_model(env, args_get(&a, "model"));
    list_models(env->out);
    list_backends(env->out);
    list_integrators(env->out);
    return CLI_OK;
}

const cli_command cmd_list = { "list", "models and backends, with sizes, capabilities, options", 0,
                               list_run };
