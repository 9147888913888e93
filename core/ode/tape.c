/* tape — recording accepted steps as counted records, and the backward sweep over them. */
#include "tape_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tape *tape_new(const odeint *I, const odesys *sys, mem_account *acc)
{
    tape *T = calloc(1, sizeof *T);
    if (!T)
        return NULL;
    T->sys = *sys;
    T->rk = odeint_rk(I);
    T->ros = odeint_ros(I);
    T->n = sys->n;
    T->np = sys->np;
    T->s = odeint_stages(I);
    T->acc = acc;
    T->reverse = odeint_integrator(I)->reverse;
    T->nvec = integrator_tape_vectors(odeint_integrator(I));
    T->record_bytes = sizeof(tape_rec) + (size_t)T->nvec * (size_t)T->n * sizeof(double);

    const size_t n = (size_t)T->n, s = (size_t)T->s;
    T->work_doubles = s * n + 6 * n + (size_t)T->np + s + (T->ros ? n * n : 0);
    T->work = mem_alloc(acc, T->work_doubles * sizeof(double));
    if (!T->work) {
        free(T);
        return NULL;
    }
    double *p = T->work;
    T->Kbar = p, p += s * n;
    T->x_after = p, p += n;
    T->xk_bar = p, p += n;
    T->gx = p, p += n;
    T->Y = p, p += n;
    T->lambda = p, p += n;
    T->x_end = p, p += n;
    T->gth = p, p += T->np;
    T->weights = p, p += s;
    T->fixed_bytes = T->work_doubles * sizeof(double);
    if (T->ros) {
        T->J = p;
        T->lu = ros_lu_new(T->n);
        if (!T->lu || mem_charge(acc, ros_lu_bytes(T->lu)) != 0) {
            ros_lu_free(T->lu);
            mem_free(acc, T->work, T->fixed_bytes);
            free(T);
            return NULL;
        }
        T->fixed_bytes += ros_lu_bytes(T->lu);
    }
    return T;
}

static void tape_drop_records(tape *T)
{
    while (T->last) {
        tape_rec *rec = T->last;
        T->last = rec->prev;
        mem_free(T->acc, rec, T->record_bytes);
    }
    T->steps = 0;
}

void tape_free(tape *T)
{
    if (!T)
        return;
    tape_drop_records(T);
    if (T->lu) {
        mem_release(T->acc, ros_lu_bytes(T->lu));
        ros_lu_free(T->lu);
    }
    mem_free(T->acc, T->work, T->work_doubles * sizeof(double));
    free(T);
}

long tape_steps(const tape *T) { return T->steps; }
long tape_first_step(const tape *T) { return T->first; }
size_t tape_record_bytes(const tape *T) { return T->record_bytes; }
size_t tape_fixed_bytes(const tape *T) { return T->fixed_bytes; }
const char *tape_error(const tape *T) { return T->error; }

int tape_record(const odeint_step *step, void *ctx)
{
    tape *T = ctx;
    const size_t vec = (size_t)T->n * sizeof(double);
    if ((step->rk && !T->rk) || (step->ros && !T->ros)) {
        snprintf(T->error, sizeof T->error, "tape: a step of another integrator was recorded");
        return -1;
    }
    if (T->steps > 0 && step->index != T->first + T->steps) {
        snprintf(T->error, sizeof T->error,
                 "tape: step %ld recorded after step %ld (steps must be consecutive)",
                 step->index, T->first + T->steps - 1);
        return -1;
    }
    tape_rec *rec = mem_alloc(T->acc, T->record_bytes);
    if (!rec) {
        if (T->acc->refused)
            snprintf(T->error, sizeof T->error,
                     "tape: recording step %ld (t = %.6g) would pass the memory cap of %zu "
                     "bytes (%zu held, %zu per step): raise --mem-cap, take fewer steps, or "
                     "use the checkpoint backend",
                     step->index, step->t, T->acc->cap, T->acc->current, T->record_bytes);
        else
            snprintf(T->error, sizeof T->error,
                     "tape: out of memory recording step %ld (t = %.6g) with %zu bytes held",
                     step->index, step->t, T->acc->current);
        return -1;
    }
    rec->prev = T->last;
    rec->t = step->t;
    rec->t_next = step->t_next;
    if (step->rk) {
        /* x_k, then Y_2 … Y_nvec (Y_1 = x_k; an FSAL method's Y_s is x_{k+1}) */
        memcpy(rec->v, step->rk->x, vec);
        for (int i = 1; i < T->nvec; i++)
            memcpy(rec->v + (size_t)i * T->n, step->rk->Y[i], vec);
        memcpy(T->x_end, step->rk->x_next, vec);
    } else {
        memcpy(rec->v, step->ros->x, vec);
        for (int i = 0; i < T->s; i++)
            memcpy(rec->v + (size_t)(i + 1) * T->n, step->ros->U[i], vec);
        memcpy(T->x_end, step->ros->x_next, vec);
    }
    if (T->steps == 0)
        T->first = step->index;
    T->last = rec;
    T->steps++;
    return 0;
}

int tape_sweep(tape *T, tape_outputs *out, tape_adjoint *adj)
{
    memcpy(T->x_after, T->x_end, sizeof(double) * (size_t)T->n);
    while (T->last) {
        tape_rec *rec = T->last;
        const long k = T->first + T->steps - 1;
        const int status = T->reverse(T, rec, k, out, adj);
        if (status != 0)
            return -1;
        memcpy(T->x_after, rec->v, sizeof(double) * (size_t)T->n);
        T->last = rec->prev;
        mem_free(T->acc, rec, T->record_bytes);
        T->steps--;
    }
    return 0;
}
