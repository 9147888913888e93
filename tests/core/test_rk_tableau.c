/* The Runge–Kutta tables against Butcher's order conditions.
 *
 * For every rooted tree τ with |τ| ≤ p the method must satisfy Σ_i b_i Φ_i(τ) = 1/γ(τ),
 * where Φ_i(•) = 1 and Φ_i([τ_1 … τ_m]) = Π_k Σ_j a_ij Φ_j(τ_k) (Butcher 1963; Hairer,
 * Nørsett & Wanner I, §II.2).  The trees are generated here, not listed by hand: 1, 1, 2, 4,
 * 9 trees of orders 1…5 (a count the test checks).  The same conditions with σ^|τ|/γ(τ)
 * check the continuous extensions b_i(σ), the embedded weights b̂ = b − e are checked at
 * their order, and the structural facts (row sums = c, FSAL row = b, b_i(1) = b_i). */
#include "rk.h"
#include "check.h"

#define MAX_TREES 64
#define MAX_CHILDREN 5
#define MAX_ORDER 5
#define MAX_STAGES 8

typedef struct {
    int order, nchild, child[MAX_CHILDREN];
    double gamma;
} tree;

static tree trees[MAX_TREES];
static int ntrees;

/* Trees of order `order`: a root plus a multiset of smaller trees whose orders sum to
 * order − 1, children listed in non-increasing tree index so each multiset appears once. */
static void add_children(int order, int remaining, int max_index, int *child, int nchild)
{
    /* a tree of order ≤ MAX_ORDER has at most MAX_ORDER − 1 children; the tables are sized
     * for that, and a larger MAX_ORDER without larger tables stops here, not past their end */
    /* the children a call may already hold: one fewer while one more is still to come */
    const int room = remaining > 0 ? MAX_CHILDREN - 1 : MAX_CHILDREN;
    if (ntrees == MAX_TREES || nchild > room) {
        fprintf(stderr, "test_rk_tableau: MAX_TREES or MAX_CHILDREN too small for MAX_ORDER\n");
        exit(1);
    }
    if (remaining == 0) {
        tree *t = &trees[ntrees++];
        t->order = order;
        t->nchild = nchild;
        t->gamma = order;
        for (int k = 0; k < nchild; k++) {
            t->child[k] = child[k];
            t->gamma *= trees[child[k]].gamma;
        }
        return;
    }
    for (int i = max_index; i >= 0; i--) {
        if (trees[i].order > remaining)
            continue;
        child[nchild] = i;
        add_children(order, remaining - trees[i].order, i, child, nchild + 1);
    }
}

static void make_trees(void)
{
    int child[MAX_CHILDREN];
    ntrees = 0;
    for (int order = 1; order <= MAX_ORDER; order++) {
        const int known = ntrees;
        add_children(order, order - 1, known - 1, child, 0);
    }
}

/* phi[tree][stage] = Φ_i(τ) */
static void stage_weights(const rk_tableau *T, double phi[MAX_TREES][MAX_STAGES])
{
    const int s = T->stages;
    for (int k = 0; k < ntrees; k++)
        for (int i = 0; i < s; i++) {
            double prod = 1.0;
            for (int c = 0; c < trees[k].nchild; c++) {
                double sum = 0.0;
                for (int j = 0; j < s; j++)
                    sum += T->A[i * s + j] * phi[trees[k].child[c]][j];
                prod *= sum;
            }
            phi[k][i] = prod;
        }
}

static void check(int ok, const char *what, const char *name, int order)
{
    CHECK(ok, "%s: %s (order %d)", name, what, order);
}

/* Σ_i w_i Φ_i(τ) = scale^|τ|/γ(τ) for every tree of order ≤ p */
static int satisfies(const rk_tableau *T, double phi[MAX_TREES][MAX_STAGES], const double *w,
                     int p, double scale, double tol)
{
    for (int k = 0; k < ntrees; k++) {
        if (trees[k].order > p)
            continue;
        double sum = 0.0;
        for (int i = 0; i < T->stages; i++)
            sum += w[i] * phi[k][i];
        if (fabs(sum - pow(scale, trees[k].order) / trees[k].gamma) > tol)
            return 0;
    }
    return 1;
}

/* tol: 1e-14 for tableaus of exact rationals; a published decimal tableau (Tsit5's 16
 * digits) satisfies its conditions only to the rounding of its digits, about 1e-14 */
static void check_tableau(const rk_tableau *T, double tol)
{
    const int s = T->stages;
    double phi[MAX_TREES][MAX_STAGES];
    stage_weights(T, phi);
    for (int i = 0; i < s; i++) {
        double row = 0.0;
        for (int j = 0; j < s; j++) {
            row += T->A[i * s + j];
            check(j < i || T->A[i * s + j] == 0.0, "A strictly lower triangular", T->name, 0);
        }
        check(fabs(row - T->c[i]) < tol, "row sums equal c", T->name, 0);
    }
    check(satisfies(T, phi, T->b, T->order, 1.0, tol), "order conditions of b", T->name,
          T->order);
    /* and not one order more: the table's order is its true order */
    check(!satisfies(T, phi, T->b, T->order + 1, 1.0, 1e-10) || T->order >= MAX_ORDER,
          "order is not higher than declared", T->name, T->order + 1);
    if (T->e) {
        double bhat[MAX_STAGES];
        for (int i = 0; i < s; i++)
            bhat[i] = T->b[i] - T->e[i];
        check(satisfies(T, phi, bhat, T->error_order, 1.0, tol), "order conditions of b-hat",
              T->name, T->error_order);
        check(!satisfies(T, phi, bhat, T->error_order + 1, 1.0, 1e-10),
              "b-hat is of the declared order only", T->name, T->error_order + 1);
    }
    if (T->fsal) {
        for (int j = 0; j < s; j++)
            check(T->A[(s - 1) * s + j] == T->b[j], "FSAL: last row of A equals b", T->name, 0);
        check(T->c[s - 1] == 1.0 && T->b[s - 1] == 0.0, "FSAL: c_s = 1, b_s = 0", T->name, 0);
    }
    /* continuous extension: b_i(1) = b_i and order conditions at several σ; its order is
     * the polynomial degree for these methods (Euler 1, RK4 3, DOPRI5 4) */
    double w[MAX_STAGES];
    rk_dense_weights(T, 1.0, w);
    for (int i = 0; i < s; i++)
        check(fabs(w[i] - T->b[i]) < tol, "dense weights at sigma = 1 equal b", T->name, 0);
    const double sigmas[] = {0.0, 0.1, 0.37, 0.5, 0.83, 1.0};
    for (size_t k = 0; k < sizeof sigmas / sizeof *sigmas; k++) {
        rk_dense_weights(T, sigmas[k], w);
        check(satisfies(T, phi, w, T->dense_degree, sigmas[k], tol),
              "continuous extension order conditions", T->name, T->dense_degree);
    }
}

int main(void)
{
    make_trees();
    int count[MAX_ORDER + 1] = {0};
    for (int k = 0; k < ntrees; k++)
        count[trees[k].order]++;
    const int expected[MAX_ORDER + 1] = {0, 1, 1, 2, 4, 9};
    for (int p = 1; p <= MAX_ORDER; p++)
        check(count[p] == expected[p], "number of rooted trees", "trees", p);

    const rk_tableau *all[] = {&rk_euler, &rk_rk4, &rk_dopri5, &rk_tsit5};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
        check_tableau(all[k], all[k] == &rk_tsit5 ? 5e-14 : 1e-14);
        check(rk_tableau_find(all[k]->name) == all[k], "found by name", all[k]->name, 0);
    }
    check(rk_tableau_find("nope") == NULL, "unknown name gives NULL", "find", 0);
    if (!check_failures)
        printf("%d trees, 4 tableaus satisfy their order conditions\n", ntrees);
    return check_finish("core/test_rk_tableau");
}
