# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_omsctl_global_optspecs
    string join \n c/project= state-dir= json v/verbose q/quiet y/yes h/help V/version
end

function __fish_omsctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_omsctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_omsctl_using_subcommand
    set -l cmd (__fish_omsctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c omsctl -n "__fish_omsctl_needs_command" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_needs_command" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_needs_command" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_needs_command" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_needs_command" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_needs_command" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c omsctl -n "__fish_omsctl_needs_command" -s V -l version -d 'Print version'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "init" -d 'Write a commented project file'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "precheck" -d 'Check connectivity, privileges, settings, keys, conversions and target contents'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "schema" -d 'Convert and create tables, indexes, constraints, triggers and views on the target'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "full" -d 'Copy existing rows in parallel, chunk by chunk; resumes where it stopped'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "incr" -d 'Replay the source\'s binlog on the target; follows until interrupted (exit 130)'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "switchover" -d 'Cut over to the target: the OMS forward-switchover steps, each resumable'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "reverse" -d 'Replay the target\'s binlog back onto the source (rollback path after switchover)'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "verify" -d 'Compare source and target with chunked checksums and a row-level diff'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "run" -d 'Run every stage the project selects, in order, skipping completed ones'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "status" -d 'Show every stage and per-table progress'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "retry" -d 'Run a failed or paused stage again, resuming its progress'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "skip" -d 'Mark a stage as skipped so that later stages may run'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "reset" -d 'Forget a stage\'s progress so that it starts over (asks for confirmation)'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "release" -d 'Drop what the servers keep for this project\'s incremental and reverse sync (PostgreSQL replication slots and publications, which hold WAL); asks for confirmation'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c omsctl -n "__fish_omsctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -l force -d 'Overwrite an existing file'
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand init" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand precheck" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -l skip-object -d 'Mark an object as skipped (repeatable), e.g. view:shop.v_sales' -r
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -l dry-run -d 'Write the DDL files and the conversion report and print the DDL; change nothing'
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand schema" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand full" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -l until -d 'Stop at this binlog position (FILE:POS), or before the first source transaction committed after this UTC time ("2026-11-22 10:00:00")' -r
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -l once -d 'Catch up to the source position current at start, then exit 0 (for cron and CI)'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -l skip-ddl -d 'Skip the one unsupported DDL statement the stage stopped at'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand incr" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -l skip-step -d 'Mark a step as skipped (repeatable)' -r
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -l retry-step -d 'Run a completed or skipped step again' -r
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand switchover" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -l once -d 'Catch up to the target position current at start, then exit 0'
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand reverse" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -l repair -d 'Apply the repair SQL (source is the truth), then re-verify'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -l only-inconsistent -d 'Recheck only the chunks that differed in the last run'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand verify" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand run" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand status" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand retry" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand skip" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand reset" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand release" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -s c -l project -d 'Project file' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -l state-dir -d 'State directory [default: .omsctl/<project name>/ beside the project file]' -r -F
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -l json -d 'Machine-readable output: one JSON object on stdout'
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -s v -l verbose -d 'More log output (-v debug, -vv trace)'
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -s q -l quiet -d 'Only warnings and errors on stderr'
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -s y -l yes -d 'Answer yes to confirmations (required when stdin is not a terminal)'
complete -c omsctl -n "__fish_omsctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "init" -d 'Write a commented project file'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "precheck" -d 'Check connectivity, privileges, settings, keys, conversions and target contents'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "schema" -d 'Convert and create tables, indexes, constraints, triggers and views on the target'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "full" -d 'Copy existing rows in parallel, chunk by chunk; resumes where it stopped'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "incr" -d 'Replay the source\'s binlog on the target; follows until interrupted (exit 130)'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "switchover" -d 'Cut over to the target: the OMS forward-switchover steps, each resumable'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "reverse" -d 'Replay the target\'s binlog back onto the source (rollback path after switchover)'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "verify" -d 'Compare source and target with chunked checksums and a row-level diff'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "run" -d 'Run every stage the project selects, in order, skipping completed ones'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "status" -d 'Show every stage and per-table progress'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "retry" -d 'Run a failed or paused stage again, resuming its progress'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "skip" -d 'Mark a stage as skipped so that later stages may run'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "reset" -d 'Forget a stage\'s progress so that it starts over (asks for confirmation)'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "release" -d 'Drop what the servers keep for this project\'s incremental and reverse sync (PostgreSQL replication slots and publications, which hold WAL); asks for confirmation'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "completions" -d 'Print shell completions'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c omsctl -n "__fish_omsctl_using_subcommand help; and not __fish_seen_subcommand_from init precheck schema full incr switchover reverse verify run status retry skip reset release completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
