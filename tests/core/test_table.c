/* table: reading the data tables, and one-line errors naming file and line for every kind of
 * malformed input. */
#include "table.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char dir[64];

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

static const table_spec grouped = {1, "condition", "time"};

/* The file must be rejected with a message that names the file, and contains `line` (e.g.
 * ":3:") and `what`. */
static void expect_error(const char *name, const char *text, const table_spec *spec,
                         const char *line, const char *what)
{
    const char *path = write_file(name, text);
    table t;
    char err[256] = "";
    int status = table_read(path, spec, &t, err, sizeof err);
    CHECK(status == -1, "%s: accepted malformed input", name);
    CHECK(strstr(err, path) != NULL, "%s: message does not name the file: %s", name, err);
    if (line) {
        char tag[32];
        snprintf(tag, sizeof tag, "%s%s", name, line);
        CHECK(strstr(err, tag) != NULL, "%s: message does not name line %s: %s", name, line,
              err);
    }
    CHECK(strstr(err, what) != NULL, "%s: message lacks '%s': %s", name, what, err);
    CHECK(strchr(err, '\n') == NULL, "%s: message is not one line", name);
}

static void test_good_table(void)
{
    const char *path = write_file("good.tsv",
                                  "condition\tdose\ttime\ty1\ty2\r\n"
                                  "a\t0\t0\t1.5\tNaN\r\n"
                                  "a\t0\t2.5\t-2e-3\tnan\r\n"
                                  "\n"
                                  "b\t3\t0\t+4\t.5\n"
                                  "b\t3\t1\t5.\t6E+1\n"
                                  "c\t1\t0\t7\t8\n");
    table t;
    char err[256] = "";
    int status = table_read(path, &grouped, &t, err, sizeof err);
    CHECK(status == 0, "good table rejected: %s", err);
    if (status != 0)
        return;
    CHECK(t.ncols == 5 && t.nlabels == 1 && t.nrows == 5, "shape %d %d %d", t.ncols,
          t.nlabels, t.nrows);
    CHECK(t.ngroups == 3, "groups %d", t.ngroups);
    CHECK(t.group_start[0] == 0 && t.group_start[1] == 2 && t.group_start[2] == 4 &&
              t.group_start[3] == 5,
          "group starts");
    CHECK(table_numeric_column(&t, "y2") == 3, "numeric index of y2");
    CHECK(table_numeric_column(&t, "condition") == -1, "text column as numeric");
    CHECK(table_numeric_column(&t, "absent") == -1, "absent column");
    CHECK(table_label_column(&t, "condition") == 0, "label column");
    CHECK(strcmp(table_label(&t, 2, 0), "b") == 0, "label of row 2");
    CHECK(table_value(&t, 1, 2) == -2e-3, "value -2e-3");
    CHECK(table_value(&t, 2, 2) == 4.0 && table_value(&t, 2, 3) == 0.5, "+4 and .5");
    CHECK(table_value(&t, 3, 2) == 5.0 && table_value(&t, 3, 3) == 60.0, "5. and 6E+1");
    CHECK(isnan(table_value(&t, 0, 3)) && isnan(table_value(&t, 1, 3)), "NaN cells");
    table_free(&t);
}

static void test_malformed(void)
{
    char err[256];
    table t;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no_such_file.tsv", dir);
    CHECK(table_read(missing, &grouped, &t, err, sizeof err) == -1, "missing file accepted");
    CHECK(strstr(err, missing) && strstr(err, "cannot open"), "missing file: %s", err);

    const char *header = "condition\tdose\ttime\ty\n";
    char text[512];
    snprintf(text, sizeof text, "%sa\t0\t0\t1\na\t0\t1\n", header);
    expect_error("short.tsv", text, &grouped, ":3:", "expected 4 columns, found 3");
    snprintf(text, sizeof text, "%sa\t0\t0\t1\t2\n", header);
    expect_error("long.tsv", text, &grouped, ":2:", "expected 4 columns, found 5");
    const char *bad[] = {"abc", "inf", "1.2.3", "", "0x10", "1e", "NA", "1,5", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(text, sizeof text, "%sa\t0\t0\t1\na\t0\t1\t%s\n", header, bad[i]);
        expect_error("nonnumeric.tsv", text, &grouped, ":3:", "is not a number");
    }
    snprintf(text, sizeof text, "%sa\t0\t0\t1e999\n", header);
    expect_error("range.tsv", text, &grouped, ":2:", "out of range");
    snprintf(text, sizeof text, "%sa\t0\t0\t1\na\t0\t2\t1\na\t0\t1\t1\n", header);
    expect_error("unsorted.tsv", text, &grouped, ":4:", "sort the rows by time");
    snprintf(text, sizeof text, "%sa\t0\t0\t1\na\t0\t2\t1\n\na\t0\t2\t1\n", header);
    expect_error("duplicate.tsv", text, &grouped, ":5:", "duplicate time 2 (also on line 3)");
    snprintf(text, sizeof text, "%sa\t0\t0\t1\nb\t0\t0\t1\na\t0\t1\t1\n", header);
    expect_error("regroup.tsv", text, &grouped, ":4:", "condition 'a' continues");
    snprintf(text, sizeof text, "%sa\t0\tNaN\t1\n", header);
    expect_error("nantime.tsv", text, &grouped, ":2:", "time ('time') is missing");
    expect_error("empty.tsv", "", &grouped, NULL, "empty");
    expect_error("headeronly.tsv", header, &grouped, NULL, "no data rows");
    expect_error("dupname.tsv", "condition\ty\ty\na\t1\t2\n", &grouped, ":1:", "appears twice");
    const table_spec no_time = {1, "condition", "t"};
    snprintf(text, sizeof text, "%sa\t0\t0\t1\n", header);
    expect_error("notime.tsv", text, &no_time, ":1:", "no numeric column 't'");
    const table_spec no_group = {1, "cond", "time"};
    expect_error("nogroup.tsv", text, &no_group, ":1:", "no text column 'cond'");
    /* without a group column the whole table is one condition */
    const table_spec ungrouped = {1, NULL, "time"};
    snprintf(text, sizeof text, "%sa\t0\t0\t1\nb\t0\t0\t1\n", header);
    expect_error("ungrouped.tsv", text, &ungrouped, ":3:", "duplicate time 0");
}

/* The shipped tables parse, with the data counts of docs/models.md. */
static void test_shipped(void)
{
    struct {
        const char *file;
        table_spec spec;
        int first_obs, nobs, rows, groups, present;
    } cases[] = {
        {"jakstat_swameye2003.tsv", {0, NULL, "time_min"}, 1, 5, 16, 1, -1},
        {"rafmekerk_fiedler2016.tsv", {1, "condition", "time_h"}, 3, 8, 21, 3, 72},
    };
    for (int c = 0; c < 2; c++) {
        char path[512], err[256];
        table t;
        CHECK(table_data_path(cases[c].file, path, sizeof path, err, sizeof err) == 0, "%s",
              err);
        int status = table_read(path, &cases[c].spec, &t, err, sizeof err);
        CHECK(status == 0, "%s", err);
        if (status != 0)
            continue;
        CHECK(t.nrows == cases[c].rows && t.ngroups == cases[c].groups, "%s: %d rows %d groups",
              cases[c].file, t.nrows, t.ngroups);
        int present = 0;
        for (int i = 0; i < t.nrows; i++)
            for (int j = 0; j < cases[c].nobs; j++)
                present += !isnan(table_value(&t, i, cases[c].first_obs + j));
        if (c == 0) {   /* jakstat: pSTAT, tSTAT, pEpoR (columns 1, 3, 5); SD columns unused */
            present = 0;
            for (int i = 0; i < t.nrows; i++)
                for (int j = 1; j <= 5; j += 2)
                    present += !isnan(table_value(&t, i, j));
            CHECK(present == 46, "jakstat data points %d", present);
        } else {
            CHECK(present == cases[c].present, "rafmekerk data points %d", present);
        }
        table_free(&t);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/odegrad_table_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_good_table();
    test_malformed();
    test_shipped();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_finish("table");
}
