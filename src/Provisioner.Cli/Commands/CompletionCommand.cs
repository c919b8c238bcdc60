using System.CommandLine;

namespace Provisioner.Cli.Commands;

/// <summary>
/// `provision completion bash|zsh`: a shell completion script. It asks provision itself what may
/// come next (System.CommandLine's <c>[suggest:POSITION]</c> directive: the commands, options and
/// option values of this very build), so it never goes stale; where nothing is suggested, as for
/// INVENTORY, it completes file names.
/// </summary>
internal static class CompletionCommand
{
    public static Command Create(CliIo io)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh." };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", """
            Print a shell completion script. bash: eval "$(provision completion bash)" in ~/.bashrc
            (or save it as /etc/bash_completion.d/provision); zsh: provision completion zsh > "${fpath[1]}/_provision".
            """) { shell };
        command.SetAction(parse =>
        {
            io.Out.Write(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Success;
        });
        return command;
    }

    // The line up to the cursor, without the program's own name, is what the directive completes.
    private const string Bash = """
        # provision completion for bash (provision completion bash)
        _provision_complete() {
          local cur=${COMP_WORDS[COMP_CWORD]}
          local line=${COMP_LINE:0:COMP_POINT}
          local rest=${line#"${COMP_WORDS[0]}"}
          rest=${rest# }
          local suggestions
          suggestions=$("${COMP_WORDS[0]}" "[suggest:${#rest}]" "$rest" 2>/dev/null)
          local IFS=$'\n'
          if [ "${cur:0:1}" = - ]; then
            COMPREPLY=($(compgen -W "$suggestions" -- "$cur"))
          else
            # Subcommands and option values; none (an INVENTORY, a scene): file names.
            COMPREPLY=($(compgen -W "$(grep -v '^[-/]' <<< "$suggestions")" -- "$cur"))
            if [ ${#COMPREPLY[@]} -eq 0 ]; then
              compopt -o filenames 2>/dev/null
              COMPREPLY=($(compgen -f -- "$cur"))
            fi
          fi
        }
        complete -F _provision_complete provision

        """;

    private const string Zsh = """
        #compdef provision
        # provision completion for zsh (provision completion zsh > "${fpath[1]}/_provision")
        _provision() {
          local line=${BUFFER[1,CURSOR]}
          local rest=${line#*[[:space:]]}
          local -a suggestions
          suggestions=(${(f)"$(${words[1]} "[suggest:${#rest}]" "$rest" 2>/dev/null)"})
          if [[ $PREFIX == -* ]]; then
            compadd -- ${(M)suggestions:#-*}
          else
            # Subcommands and option values; none (an INVENTORY, a scene): file names.
            local -a values=(${suggestions:#[-/]*})
            if (( ${#${(M)values:#$PREFIX*}} )); then
              compadd -- $values
            else
              _files
            fi
          fi
        }
        if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
          _provision "$@"
        else
          compdef _provision provision
        fi

        """;
}
