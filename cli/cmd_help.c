/* cmd_help.c - tokbench help and tokbench version. */
#include <stdio.h>
#include <string.h>

#include "../bench/manifest.h"
#include "commands.h"

const cli_command help_cmd = {"help", "help [COMMAND]",
                              "Show the commands, or one command's usage and options.", NULL,
                              NULL, NULL};
const cli_command version_cmd = {"version", "version",
                                 "Print the version and the commit it was built from.", NULL,
                                 NULL, NULL};

int cmd_version(const cli_args *a)
{
    (void)a;
    printf("tokbench %s\n", manifest_tokbench_version());
    return 0;
}

int cmd_help(const cli_args *a)
{
    if (a->npos < 1) {
        commands_print_usage(stdout);
        return 0;
    }
    const cli_entry *e = commands_find(a->pos[0]);
    if (e) {
        cli_print_help(e->cmd, stdout);
        return 0;
    }
    fprintf(stderr, "tokbench help: unknown command '%s'\n", a->pos[0]);
    return TB_EUSAGE;
}
