/* petab_impl — the imported problem shared by the SBML reader (petab_sbml.c), the
 * translation of SBML maths into expression graphs (petab_math.c) and the PEtab tables
 * (petab_problem.c).  Not part of the public interface (that is petab.h). */
#ifndef ODEGRAD_PETAB_IMPL_H
#define ODEGRAD_PETAB_IMPL_H

#include <sbml/SBMLTypes.h>
#include "expr.h"
#include "model.h"

/* What a symbol of the problem is:
 *   STATE   integrated: a species changed by reactions or a rate rule, or any rate-rule
 *           target; its value in the maths is expr_state (a concentration unless the species
 *           has only substance units)
 *   ASSIGN  an assignment-rule target: its rule's maths, at every time
 *   VALUE   constant in time: an estimated parameter (θ), a number (the SBML value or the
 *           PEtab nominal of a fixed parameter), or the value of its initial assignment */
typedef enum { PSYM_STATE, PSYM_ASSIGN, PSYM_VALUE } psym_kind;

typedef struct {
    char *id;
    psym_kind kind;
    int state;                  /* STATE: index in x */
    const ASTNode_t *math;      /* ASSIGN: the rule; STATE with a rate rule: its rate */
    const ASTNode_t *init;      /* an initial assignment, or NULL */
    double value;               /* the number (VALUE), the initial value (STATE) */
    int theta;                  /* estimated parameter index, or -1 */
    int species, hosu;          /* a species; with hasOnlySubstanceUnits */
    int compartment;            /* a species' compartment symbol */
    int init_amount;            /* the species' initial value is an amount */
    int cond_col;               /* the condition column that overrides it, or -1 */
    int petab_only;             /* defined by the parameter table alone (not in the SBML) */
} psym;

/* One condition column: which constants carry its per-condition value.
 *   value = c[num] + Σ_q c[ref_c[q]] · sym(ref_sym[q]) + (1 − c[flag] − Σ_q c[ref_c[q]]) · default
 * c[num] is the number (0 where the cell is NaN or an id), c[flag] 1 where it is a number.
 * flag < 0: every condition gives a number, so value = c[num]. */
typedef struct {
    int sym;
    int num, flag;
    int nref;
    int *ref_c, *ref_sym;
} pcolumn;

/* one observable of the observable table */
typedef struct {
    char *id;
    ASTNode_t *formula, *noise;
    int transform;      /* 0 lin, 1 log, 2 log10 */
    int laplace;        /* noise distribution: 0 normal, 1 laplace */
} pobservable;

/* one column of the model's data: an observable with its overrides, and a replicate index */
typedef struct {
    int obs;
    char *obs_pars, *noise_pars;   /* the measurement table's strings */
    int replicate;
} pseries;

/* one time breakpoint (petab_break.c): a switch time and/or the events at it */
typedef struct {
    char *key;                  /* t_e's formula: one breakpoint per distinct time */
    ASTNode_t *time;            /* t_e, owned */
    const char *event;          /* the first event at it, or NULL (a switch only) */
    int nassign;
    int *target;                /* the event assignments: state index … */
    const ASTNode_t **value;    /* … and value */
} pbreak;

#define PETAB_MAX_BREAKS 64

typedef struct pbreaks {
    int n;
    pbreak b[PETAB_MAX_BREAKS];
    int phase;                  /* the constant index of φ_0 */
    int open;                   /* new switch times may be added (the discovery translation) */
} pbreaks;

typedef struct petab_problem {
    SBMLDocument_t *doc;
    Model_t *sbml;
    char sbml_path[1024];
    char obs_path[1024];         /* the observable table, for messages */
    int nsym;
    psym *sym;
    int nx;
    int *state_sym;              /* nx */
    /* reactions: their rate laws and stoichiometry (dense per state, sparse below) */
    int nreact;
    const ASTNode_t **rate;
    KineticLaw_t **law;          /* for local parameters */
    int nstoich;
    int *st_react, *st_state;
    double *st_coef;
    int ncol;
    pcolumn *col;
    int nobs;
    pobservable *obs;
    int nseries;
    pseries *series;
    int ny;                      /* = nseries */
    int any_nonlinear_noise;     /* some series is not lin/normal: a custom loss term */
    int steady_data;             /* every measurement is at time inf (steady-state data) */
    int uses_time;               /* some graph built so far reads the time symbol */
    /* where each measurement row went (model condition, time index, series) */
    int nmeas;
    int *meas_cond, *meas_time, *meas_series;
    char err[1100];              /* the first translation error of a graph callback */
    struct pbreaks *brk;         /* time breakpoints (a pointer: translation adds to it) */
} petab_problem;

/* ---- petab_sbml.c ---- */
/* Read the SBML file into P (symbols, states, reactions).  -1 with a message on failure. */
int petab_sbml_load(petab_problem *P, const char *path, char *err, size_t errlen);
int petab_sym_find(const petab_problem *P, const char *id);   /* -1 if unknown */
/* Add a symbol defined only by the parameter table; returns its index or -1. */
int petab_sym_add(petab_problem *P, const char *id);
void petab_sbml_free(petab_problem *P);

/* ---- petab_conserve.c ---- */
/* The number of independent conserved totals of the reactions (the dimension of the left
 * null space of the stoichiometry matrix over the species changed by reactions), or -1 when
 * out of memory. */
int petab_conserved_totals(const petab_problem *P);

/* ---- petab_math.c: SBML maths → expression graph ---- */
typedef struct pscope {
    const char *name;
    expr value;
    unsigned dep;
    const struct pscope *next;
} pscope;

/* dependencies of a translated expression */
enum { PDEP_T = 1, PDEP_X = 2, PDEP_P = 4 };

typedef struct {
    expr_graph *g;
    const petab_problem *P;
    expr *cache[2];          /* per symbol and mode: translated node, or a marker */
    unsigned *cdep[2];
    const char *where;       /* the symbol being translated, for messages */
    const char *file;        /* the file the maths comes from (NULL: the SBML file) */
    int uses_time;           /* some translated maths read the time symbol */
    char err[1024];
} ptrans;

enum { PMODE_DYN = 0, PMODE_INIT = 1 };

int ptrans_init(ptrans *T, expr_graph *g, const petab_problem *P);
void ptrans_free(ptrans *T);
/* translate maths (with an optional scope of names bound first) in a mode */
expr ptrans_math(ptrans *T, const ASTNode_t *n, int mode, const pscope *scope, unsigned *dep);
/* the value of symbol i in a mode */
expr ptrans_sym(ptrans *T, int i, int mode, unsigned *dep);

/* ---- petab_break.c: time breakpoints ---- */
/* The events of the SBML model as breakpoints (creates P->brk).  -1 with a message. */
int petab_breaks_load_events(petab_problem *P, char *err, size_t errlen);
void petab_breaks_free(petab_problem *P);
/* A comparison n (children translated, their dependencies dep) as a breakpoint's phase, or
 * EXPR_NONE: then *why is a reason to refuse it, or NULL to translate it as a step. */
expr petab_break_compare(ptrans *T, const ASTNode_t *n, const pscope *scope, unsigned dep,
                         const char **why);
expr petab_break_times(expr_graph *g, const model *m);
expr petab_break_jumps(expr_graph *g, const model *m);
int petab_break_has_jumps(const petab_problem *P);

#endif
