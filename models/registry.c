/* registry — every model odegrad knows, by name.  Adding a model: one file in models/ and one
 * entry here. */
#include "../core/model.h"
#include "brusselator.h"
#include "freefall.h"
#include "jakstat.h"
#include "neural.h"
#include "oscillator.h"
#include "rafmekerk.h"
#include "robertson.h"
#include "sundials_hessian.h"

static const model_type freefall_type = {
    "freefall", "freefall", "ball with linear drag, theta = (g, mu); closed-form oracle", 0,
    freefall_create};
static const model_type freefall_x0_type = {
    "freefall-x0", "freefall-x0",
    "ball with linear drag, theta = (g, mu, y0, v0); closed-form oracle", 0, freefall_create};
static const model_type freefall_horizon_type = {
    "freefall-T", "freefall-T<T> (T > 0)",
    "freefall over the horizon [0, T] seconds (100 positions); closed-form oracle", 1,
    freefall_create};
static const model_type oscillator_type = {
    "oscillator", "oscillator",
    "harmonic oscillator y = a sin(omega t) (report eq. 16), theta = (omega, a); closed-form oracle",
    0, oscillator_create};
static const model_type oscillator_horizon_type = {
    "oscillator-T", "oscillator-T<T> (T > 0)",
    "harmonic oscillator over the horizon [0, T] (100 positions); closed-form oracle", 1,
    oscillator_create};
static const model_type jakstat_type = {
    "jakstat", "jakstat",
    "JAK2/STAT5 signalling (Swameye 2003): 9 states, 17 log10 params, 46 data", 0,
    jakstat_create};
static const model_type rafmekerk_type = {
    "rafmekerk", "rafmekerk",
    "RAF/MEK/ERK cascade (Fiedler 2016): 3 states, 28 log10 params, 3 conditions, steady-state x0",
    0, rafmekerk_create};
static const model_type neural_freefall_type = {
    "neural-freefall", "neural-freefall",
    "the report's neural ODE: 2-16-2 tanh MLP (82 params) on free-fall positions", 0,
    neural_freefall_create};
static const model_type mlp_type = {
    "mlp-", "mlp-D-H[-L]",
    "tanh MLP neural ODE: state dim D, width H, L hidden layers; synthetic spiral data", 1,
    neural_mlp_create};
static const model_type robertson_type = {
    "robertson", "robertson", "Robertson stiff kinetics: 3 states, 3 log10 rates, published data",
    0, robertson_create};
static const model_type robertson_asa_type = {
    "robertson-asa", "robertson-asa",
    "Robertson kinetics as in SUNDIALS cvsRoberts_ASAi_dns: G = int y3 dt, printed gradient", 0,
    robertson_create};
static const model_type sundials_hessian_type = {
    "sundials-hessian", "sundials-hessian",
    "SUNDIALS cvsHessian_ASA_FSA: G = int_0^2 |y|^2/2 dt, p = (1, 2); printed gradient and Hessian",
    0, sundials_hessian_create};
static const model_type brusselator_type = {
    "brusselator-", "brusselator-N (N >= 2)",
    "2-D Brusselator on an NxN periodic grid: 2N^2 states, 4N^2 params", 1, brusselator_create};

const model_type *const model_types[] = {
    &freefall_type,
    &freefall_x0_type,
    &freefall_horizon_type,
    &oscillator_type,
    &oscillator_horizon_type,
    &jakstat_type,
    &rafmekerk_type,
    &neural_freefall_type,
    &mlp_type,
    &brusselator_type,
    &robertson_type,
    &robertson_asa_type,
    &sundials_hessian_type,
    NULL,
};
