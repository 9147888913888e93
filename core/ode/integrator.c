/* integrator — the table of our integrators (see integrator.h).  The one place their names
 * are written: tests/core/test_solver_names.sh fails if a name appears in a string anywhere
 * else in the sources. */
#include "integrator.h"
#include "tape_impl.h"

#include <string.h>

static const integrator integrator_euler = {
    .name = "euler", .summary = "explicit Euler, order 1, fixed steps",
    .family = INTEGRATOR_RK, .order = 1, .adaptive = 0, .stiff = 0, .stages = 1, .dense = 1,
    .rk = &rk_euler, .reverse = tape_reverse_rk,
};

static const integrator integrator_rk4 = {
    .name = "rk4", .summary = "classical Runge-Kutta, order 4, fixed steps",
    .family = INTEGRATOR_RK, .order = 4, .adaptive = 0, .stiff = 0, .stages = 4, .dense = 1,
    .rk = &rk_rk4, .reverse = tape_reverse_rk,
};

static const integrator integrator_dopri5 = {
    .name = "dopri5", .summary = "Dormand-Prince 5(4), FSAL, dense output of order 4",
    .family = INTEGRATOR_RK, .order = 5, .adaptive = 1, .stiff = 0, .stages = 7, .dense = 1,
    .rk = &rk_dopri5, .reverse = tape_reverse_rk,
};

static const integrator integrator_tsit5 = {
    .name = "tsit5", .summary = "Tsitouras 5(4), FSAL, dense output of order 4",
    .family = INTEGRATOR_RK, .order = 5, .adaptive = 1, .stiff = 0, .stages = 7, .dense = 1,
    .rk = &rk_tsit5, .reverse = tape_reverse_rk,
};

static const integrator integrator_rosenbrock = {
    .name = "rosenbrock", .summary = "Rosenbrock W-method ROS34PW2, order 3(2), L-stable",
    .family = INTEGRATOR_ROSENBROCK, .order = 3, .adaptive = 1, .stiff = 1, .stages = 4,
    .dense = 0, .ros = &ros_ros34pw2, .reverse = tape_reverse_ros,
};

const integrator *const integrators[] = {
    &integrator_euler, &integrator_rk4, &integrator_dopri5, &integrator_tsit5,
    &integrator_rosenbrock, NULL,
};

const integrator *integrator_find(const char *name)
{
    for (int i = 0; name && integrators[i]; i++)
        if (strcmp(integrators[i]->name, name) == 0)
            return integrators[i];
    return NULL;
}

const integrator *integrator_default(int stiff)
{
    for (int i = 0; integrators[i]; i++)
        if (integrators[i]->adaptive && !integrators[i]->stiff == !stiff)
            return integrators[i];
    return NULL;
}

const integrator *integrator_stiffness_probe(void)
{
    return &integrator_tsit5;
}

const char *integrator_names(char *buf, size_t len, const char *sep, int adaptive_only)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int i = 0; integrators[i]; i++) {
        if (adaptive_only && !integrators[i]->adaptive)
            continue;
        const char *parts[2] = {used ? sep : "", integrators[i]->name};
        for (int j = 0; j < 2; j++) {
            const size_t l = strlen(parts[j]);
            if (used + l + 1 > len)
                return buf;
            memcpy(buf + used, parts[j], l + 1);
            used += l;
        }
    }
    return buf;
}

int integrator_tape_vectors(const integrator *it)
{
    /* explicit RK: x_k and Y_2 … Y_s (Y_s = x_{k+1} is not kept for FSAL methods);
     * Rosenbrock: x_k and the increments u_1 … u_s */
    if (it->family == INTEGRATOR_ROSENBROCK)
        return it->stages + 1;
    return it->rk->fsal ? it->stages - 1 : it->stages;
}
