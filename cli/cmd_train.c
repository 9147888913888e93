/* odegrad train — the report's training run (section 6): fit a model by Adam with gradients
 * from any backend, print the loss every few epochs, and write the loss curve, the final
 * predicted trajectory (the report's Figure 3 is drawn from them by plots/training.gp: the
 * command line draws nothing).
 * The training itself is fit/train.h's (which says what an epoch is); this command parses,
 * prints and writes the files.
 *
 * Files, in --results (default the scratch folder STORE_SCRATCH_DIR, so that a run by hand
 * never changes the published results/), named by --name (default training):
 *   NAME_loss.csv         epoch,loss
 *   NAME_trajectory.csv   condition,time,observable,data,predicted  (at θ_E, CVODES BDF at the
 *                         run's tolerances; one row per observation time and observable) */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stats.h"
#include "command.h"
#include "parse.h"
#include "request.h"
#include "store.h"
#include "train.h"

#define TRAIN_DEFAULT_MODEL "neural-freefall"
#define TRAIN_DEFAULT_EPOCHS "200"
#define TRAIN_DEFAULT_LR "0.05"
#define TRAIN_DEFAULT_EVERY "50"
#define TRAIN_DEFAULT_RESULTS STORE_SCRATCH_DIR
#define TRAIN_DEFAULT_NAME "training"
#define TRAIN_MAX_EPOCHS 10000000L

static const args_opt train_options[] = {
    {"epochs", "N", "Adam updates (default " TRAIN_DEFAULT_EPOCHS ")", 0},
    {"lr", "R", "Adam learning rate (default " TRAIN_DEFAULT_LR ")", 0},
    {"print-every", "N", "print the loss every N epochs (default " TRAIN_DEFAULT_EVERY ")", 0},
    {"results", "DIR", "where the files go (default " TRAIN_DEFAULT_RESULTS ")", 0},
    {"name", "NAME", "file name prefix (default " TRAIN_DEFAULT_NAME ")", 0},
    {NULL, NULL, NULL, 0}};

typedef struct {
    long epochs, every;
    double lr;
    const char *dir, *name;
} train_settings;

static const char *arg_or(const args_list *a, const char *name, const char *fallback)
{
    const char *v = args_get(a, name);
    return v ? v : fallback;
}

static int train_read_settings(const args_list *a, train_settings *s, char *err, size_t errlen)
{
    if (parse_long(arg_or(a, "epochs", TRAIN_DEFAULT_EPOCHS), "--epochs", 1, TRAIN_MAX_EPOCHS,
                   &s->epochs, err, errlen) != 0 ||
        parse_long(arg_or(a, "print-every", TRAIN_DEFAULT_EVERY), "--print-every", 1,
                   TRAIN_MAX_EPOCHS, &s->every, err, errlen) != 0 ||
        parse_positive(arg_or(a, "lr", TRAIN_DEFAULT_LR), "--lr", &s->lr, err, errlen) != 0)
        return -1;
    s->dir = arg_or(a, "results", TRAIN_DEFAULT_RESULTS);
    s->name = arg_or(a, "name", TRAIN_DEFAULT_NAME);
    if (!*s->dir) {
        snprintf(err, errlen, "--results must name a folder");
        return -1;
    }
    int ok = *s->name != '\0';
    for (const char *c = s->name; *c; c++)
        ok &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.';
    if (!ok) {
        snprintf(err, errlen, "--name must be letters, digits, '_', '-' or '.', not '%s'",
                 s->name);
        return -1;
    }
    return 0;
}

/* --model defaults to the report's neural ODE: add it to the scanned arguments. */
static void train_default_model(args_list *a)
{
    if (args_has(a, "model") || a->n >= ARGS_MAX)
        return;
    for (int i = 0; request_options[i].name; i++)
        if (strcmp(request_options[i].name, "model") == 0) {
            a->item[a->n].opt = &request_options[i];
            a->item[a->n].value = TRAIN_DEFAULT_MODEL;
            a->n++;
        }
}

static int train_path(char *path, size_t len, const train_settings *s, const char *suffix)
{
    int n = snprintf(path, len, "%s/%s%s", s->dir, s->name, suffix);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- the files ---------------------------------------------------------------------------- */

/* One row per condition, observable and time, in that order (each series contiguous). */
static int train_write_trajectory(const cli_request *rq, const double *theta, const char *path,
                                  char *err, size_t errlen)
{
    const model *m = rq->model;
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %.300s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "condition,time,observable,data,predicted\n");
    int status = 0;
    for (int k = 0; k < m->ncond && status == 0; k++) {
        const model_condition *c = &m->cond[k];
        double *predicted = malloc(sizeof(double) * (size_t)c->ntimes * (size_t)m->ny);
        if (!predicted) {
            snprintf(err, errlen, "out of memory");
            status = -1;
        } else if (train_predict(m, &rq->opts, theta, k, predicted, err, errlen) != 0) {
            status = -1;
        } else {
            for (int j = 0; j < m->ny; j++)
                for (int i = 0; i < c->ntimes; i++)
                    fprintf(f, "%s,%.17g,%s,%.17g,%.17g\n", c->name, c->times[i], m->obs_names[j],
                            c->values[(size_t)i * (size_t)m->ny + (size_t)j],
                            predicted[(size_t)i * (size_t)m->ny + (size_t)j]);
        }
        free(predicted);
    }
    if (fclose(f) != 0 && status == 0) {
        snprintf(err, errlen, "cannot write %.300s: %s", path, strerror(errno));
        status = -1;
    }
    return status;
}

static int train_write_loss(const double *loss, long epochs, const char *path, char *err,
                            size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %.300s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "epoch,loss\n");
    for (long e = 0; e <= epochs; e++)
        fprintf(f, "%ld,%.17g\n", e, loss[e]);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %.300s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct {
    FILE *out;
    long every, epochs;
} train_printer;

static int train_print(void *user, long e, double loss)
{
    const train_printer *p = user;
    if (e == 0 || e % p->every == 0 || e == p->epochs)
        fprintf(p->out, "epoch %ld, loss = %.10g\n", e, loss);
    return 0;
}

static int train_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = {request_options, train_options, NULL};
    args_list a;
    char err[512];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "train", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad train --method B [--model M] [options]",
                  "Trains model M (default " TRAIN_DEFAULT_MODEL ") from its seeded initial "
                  "theta by Adam (learning rate\n" TRAIN_DEFAULT_LR ", " TRAIN_DEFAULT_EPOCHS
                  " epochs: the report's run) with gradients from backend B, prints the\n"
                  "loss every " TRAIN_DEFAULT_EVERY " epochs, and writes DIR/NAME_loss.csv and "
                  "DIR/NAME_trajectory.csv (DIR: --results,\ndefault " TRAIN_DEFAULT_RESULTS
                  "/). The figure is drawn from them by plots/training.gp (plots/make-all DIR).",
                  tables);
        return CLI_OK;
    }
    train_settings s;
    if (train_read_settings(&a, &s, err, sizeof err) != 0)
        return cli_usage_error(env, "train", "%s", err);
    train_default_model(&a);
    cli_request rq;
    if (request_open(&rq, &a, WANT_GRADIENT, err, sizeof err) != 0) {
        request_close(&rq);
        return cli_usage_error(env, "train", "%s", err);
    }
    char loss_path[1024], traj_path[1024];
    if (train_path(loss_path, sizeof loss_path, &s, "_loss.csv") != 0 ||
        train_path(traj_path, sizeof traj_path, &s, "_trajectory.csv") != 0) {
        request_close(&rq);
        return cli_usage_error(env, "train", "--results path is too long");
    }
    if (mkdir(s.dir, 0777) != 0 && errno != EEXIST) {
        request_close(&rq);
        return cli_failure(env, "train", "cannot create %s: %s", s.dir, strerror(errno));
    }
    double *loss = malloc(sizeof(double) * (size_t)(s.epochs + 1));
    if (!loss) {
        request_close(&rq);
        return cli_failure(env, "train", "out of memory for %ld epochs", s.epochs);
    }
    fprintf(env->out, "training %s with Adam (lr %g), %ld epochs, gradients from %s\n",
            rq.model->name, s.lr, s.epochs, rq.type->name);
    const double start = stats_now();
    train_printer printer = {env->out, s.every, s.epochs};
    int code = train_adam(rq.type, rq.model, &rq.opts, s.lr, s.epochs, rq.theta, loss, train_print,
                          &printer, err, sizeof err) != 0
                   ? cli_failure(env, "train", "%s", err)
                   : CLI_OK;
    const double seconds = stats_now() - start;
    if (code == CLI_OK && (train_write_loss(loss, s.epochs, loss_path, err, sizeof err) != 0 ||
                           train_write_trajectory(&rq, rq.theta, traj_path, err, sizeof err) != 0))
        code = cli_failure(env, "train", "%s", err);
    if (code == CLI_OK) {
        fprintf(env->out, "loss %.6g -> %.6g (reduced %.3gx) in %.2f s\n", loss[0],
                loss[s.epochs], loss[0] / loss[s.epochs], seconds);
        fprintf(env->out, "wrote %s, %s (figure: plots/make-all %s)\n", loss_path, traj_path,
                s.dir);
    }
    free(loss);
    request_close(&rq);
    return code;
}

const cli_command cmd_train = {"train", "train a model by Adam with any gradient backend "
                                        "(the report's neural ODE run)", 0, train_run};
