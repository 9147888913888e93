/* stats — what every run counts: evaluations made through the model layer (in our own
 * wrappers, since CVODES resets its counters), and wall-clock time. */
#ifndef ODEGRAD_STATS_H
#define ODEGRAD_STATS_H

typedef struct {
    long rhs;      /* f(t, x, θ) */
    long jvp;      /* f_x·v + f_θ·u */
    long vjp;      /* wᵀf_x, wᵀf_θ */
    long jac;      /* dense state Jacobians f_x (and f_θ) */
    long second;   /* second-order products (tangent-over-adjoint, tangent-over-tangent) */
} eval_counts;

static inline void eval_counts_add(eval_counts *into, const eval_counts *a)
{
    into->rhs += a->rhs;
    into->jvp += a->jvp;
    into->vjp += a->vjp;
    into->jac += a->jac;
    into->second += a->second;
}

/* Monotonic wall clock in seconds. */
double stats_now(void);

#endif
