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

static const args_opt list_options[] = { { NULL, NULL, NULL, 0 } };

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
        args_help(env->out, "odegrad list",
                  "Lists the models (states nx, parameters np, conditions, data points) and the\n"
                  "backends with their capabilities and options.", tables);
        return CLI_OK;
    }
    list_models(env->out);
    list_backends(env->out);
    list_integrators(env->out);
    return CLI_OK;
}

const cli_command cmd_list = { "list", "models and backends, with sizes, capabilities, options", 0,
                               list_run };
