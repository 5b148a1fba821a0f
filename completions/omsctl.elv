
use builtin;
use str;

set edit:completion:arg-completer[omsctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'omsctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'omsctl'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented project file'
            cand precheck 'Check connectivity, privileges, settings, keys, conversions and target contents'
            cand schema 'Convert and create tables, indexes, constraints, triggers and views on the target'
            cand full 'Copy existing rows in parallel, chunk by chunk; resumes where it stopped'
            cand incr 'Replay the source''s binlog on the target; follows until interrupted (exit 130)'
            cand switchover 'Cut over to the target: the OMS forward-switchover steps, each resumable'
            cand reverse 'Replay the target''s binlog back onto the source (rollback path after switchover)'
            cand verify 'Compare source and target with chunked checksums and a row-level diff'
            cand run 'Run every stage the project selects, in order, skipping completed ones'
            cand status 'Show every stage and per-table progress'
            cand retry 'Run a failed or paused stage again, resuming its progress'
            cand skip 'Mark a stage as skipped so that later stages may run'
            cand reset 'Forget a stage''s progress so that it starts over (asks for confirmation)'
            cand release 'Drop what the servers keep for this project''s incremental and reverse sync (PostgreSQL replication slots and publications, which hold WAL); asks for confirmation'
            cand completions 'Print shell completions'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'omsctl;init'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --force 'Overwrite an existing file'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;precheck'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;schema'= {
            cand --skip-object 'Mark an object as skipped (repeatable), e.g. view:shop.v_sales'
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --dry-run 'Write the DDL files and the conversion report and print the DDL; change nothing'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;full'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;incr'= {
            cand --until 'Stop at this binlog position (FILE:POS), or before the first source transaction committed after this UTC time ("2026-11-22 10:00:00")'
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --once 'Catch up to the source position current at start, then exit 0 (for cron and CI)'
            cand --skip-ddl 'Skip the one unsupported DDL statement the stage stopped at'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;switchover'= {
            cand --skip-step 'Mark a step as skipped (repeatable)'
            cand --retry-step 'Run a completed or skipped step again'
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;reverse'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --once 'Catch up to the target position current at start, then exit 0'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;verify'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --repair 'Apply the repair SQL (source is the truth), then re-verify'
            cand --only-inconsistent 'Recheck only the chunks that differed in the last run'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;run'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;status'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;retry'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;skip'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;reset'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;release'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;completions'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;man'= {
            cand -c 'Project file'
            cand --project 'Project file'
            cand --state-dir 'State directory [default: .omsctl/<project name>/ beside the project file]'
            cand --json 'Machine-readable output: one JSON object on stdout'
            cand -v 'More log output (-v debug, -vv trace)'
            cand --verbose 'More log output (-v debug, -vv trace)'
            cand -q 'Only warnings and errors on stderr'
            cand --quiet 'Only warnings and errors on stderr'
            cand -y 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand --yes 'Answer yes to confirmations (required when stdin is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'omsctl;help'= {
            cand init 'Write a commented project file'
            cand precheck 'Check connectivity, privileges, settings, keys, conversions and target contents'
            cand schema 'Convert and create tables, indexes, constraints, triggers and views on the target'
            cand full 'Copy existing rows in parallel, chunk by chunk; resumes where it stopped'
            cand incr 'Replay the source''s binlog on the target; follows until interrupted (exit 130)'
            cand switchover 'Cut over to the target: the OMS forward-switchover steps, each resumable'
            cand reverse 'Replay the target''s binlog back onto the source (rollback path after switchover)'
            cand verify 'Compare source and target with chunked checksums and a row-level diff'
            cand run 'Run every stage the project selects, in order, skipping completed ones'
            cand status 'Show every stage and per-table progress'
            cand retry 'Run a failed or paused stage again, resuming its progress'
            cand skip 'Mark a stage as skipped so that later stages may run'
            cand reset 'Forget a stage''s progress so that it starts over (asks for confirmation)'
            cand release 'Drop what the servers keep for this project''s incremental and reverse sync (PostgreSQL replication slots and publications, which hold WAL); asks for confirmation'
            cand completions 'Print shell completions'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'omsctl;help;init'= {
        }
        &'omsctl;help;precheck'= {
        }
        &'omsctl;help;schema'= {
        }
        &'omsctl;help;full'= {
        }
        &'omsctl;help;incr'= {
        }
        &'omsctl;help;switchover'= {
        }
        &'omsctl;help;reverse'= {
        }
        &'omsctl;help;verify'= {
        }
        &'omsctl;help;run'= {
        }
        &'omsctl;help;status'= {
        }
        &'omsctl;help;retry'= {
        }
        &'omsctl;help;skip'= {
        }
        &'omsctl;help;reset'= {
        }
        &'omsctl;help;release'= {
        }
        &'omsctl;help;completions'= {
        }
        &'omsctl;help;man'= {
        }
        &'omsctl;help;help'= {
        }
    ]
    $completions[$command]
}
