/* commands.c - the command table: every command once, in the order
 * `tokbench help` lists them. */
#include <string.h>

#include "commands.h"

static const cli_entry k_commands[] = {
    {&corpus_cmd, cmd_corpus},     {&tokenize_cmd, cmd_tokenize},
    {&detokenize_cmd, cmd_detokenize}, {&train_bpe_cmd, cmd_train_bpe},
    {&symbolize_cmd, cmd_symbolize}, {&run_cmd, cmd_run},
    {&prepare_cmd, cmd_prepare},   {&merge_cmd, cmd_merge},
    {&model_cmd, cmd_model},       {&train_cmd, cmd_train},
    {&ngram_cmd, cmd_ngram},
    {&latency_cmd, cmd_latency},   {&project_cmd, cmd_project},
    {&report_cmd, cmd_report},     {&plot_cmd, cmd_plot},
    {&check_cmd, cmd_check},       {&help_cmd, cmd_help},
    {&version_cmd, cmd_version},
};
enum { N_COMMANDS = sizeof k_commands / sizeof k_commands[0] };

const cli_entry *commands_find(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(k_commands[i].cmd->name, name) == 0)
            return &k_commands[i];
    return NULL;
}

int commands_dispatch(const cli_entry *e, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(e->cmd, argc, argv, &a, stderr);
    if (rc)
        return rc < 0 ? 0 : rc;
    return e->fn(&a);
}

void commands_print_usage(FILE *f)
{
    fputs("usage: tokbench <command> [options]\n\n"
          "tokbench measures what a language costs a language model: the same content in\n"
          "several languages, tokenized many ways, turned into tokens and cost.\n\ncommands:\n",
          f);
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-11s %s\n", k_commands[i].cmd->name, k_commands[i].cmd->summary);
    fputs("\n'tokbench help COMMAND' shows a command's options. Exit status: 0 success,\n"
          "1 regression found by a check, 2 usage error, 3 bad input or missing resource.\n"
          "The design (data flow, folders, file formats, metric definitions) is\n"
          "docs/DESIGN.md in the repository.\n",
          f);
}
