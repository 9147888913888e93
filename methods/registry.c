/* registry — every backend, by name.  Adding a backend is adding its file and one line here
 * (and its extern declaration). */
#include "method.h"

extern const method_type method_fd;
extern const method_type method_forward;
extern const method_type method_adjoint;
extern const method_type method_backsolve;
extern const method_type method_tape;
extern const method_type method_checkpoint;
extern const method_type method_soadjoint;
extern const method_type method_soforward;
extern const method_type method_fdhess;
extern const method_type method_fim;

const method_type *const method_types[] = {
    &method_fd,
    &method_forward,
    &method_adjoint,
    &method_backsolve,
    &method_tape,
    &method_checkpoint,
    &method_soadjoint,
    &method_soforward,
    &method_fdhess,
    &method_fim,
    NULL
};
