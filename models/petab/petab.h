/* petab — a PEtab v1 problem (an SBML model with its parameter, condition, observable and
 * measurement tables) imported as an odegrad model: `--model petab:PATH`, PATH the problem's
 * .yaml or its folder.
 *
 * The import (petab_problem.c) maps the problem onto the model layer:
 *   θ      the parameter table's estimated parameters, on their scales (lin, log, log10);
 *          fixed parameters are numbers at their nominal values
 *   x      species (concentrations unless hasOnlySubstanceUnits) and rate-rule targets
 *   c      the condition table's overrides, one constant per column and condition
 *   data   one model condition per simulation condition; one data column ("series") per
 *          observable, override strings and replicate — so measurement-specific observable
 *          and noise parameters are part of the series' formulas, and replicates at one time
 *          are separate columns
 *   loss   the exact PEtab negative log-likelihood: per point, with m the measurement and y
 *          the simulated observable after the transformation T (identity, ln or log10),
 *              normal:  ½ log(2π σ²) + ½ ((T(m) − T(y))/σ)² + log J(m)
 *              Laplace: log(2σ) + |T(m) − T(y)|/σ + log J(m)
 *          with the transformation's Jacobian J(m) = 1, m, m ln 10.
 * Pre-equilibration (every measurement naming the same pre-equilibration condition) makes
 * the initial state the steady state under that condition's constants. */
#ifndef ODEGRAD_PETAB_H
#define ODEGRAD_PETAB_H

#include <stddef.h>
#include "model.h"

#define PETAB_PREFIX "petab:"

/* Fill m from the problem at path (without the prefix).  0, or -1 with a one-line message
 * naming the file (and row or id) in err. */
int petab_model_create(model *m, const char *path, char *err, size_t errlen);

/* Where measurement row r (0-based, in file order) of an imported model went: its model
 * condition, time index and data column.  Returns the number of measurement rows, or -1
 * when m is not an imported model; any output array may be NULL. */
int petab_measurement_map(const model *m, int *cond, int *time, int *column);
/* The transformation of data column j of an imported model: 0 lin, 1 ln, 2 log10 (the
 * model's observables and data are on that scale); -1 when m is not an imported model. */
int petab_column_transform(const model *m, int column);

#endif
