function __pubsub_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __pubsub_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __pubsub_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __pubsub_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __pubsub_parse_tokens -S
    set -l unparsed_tokens (__pubsub_tokens -pc)
    switch $unparsed_tokens[1]
    case 'pubsub'
        __pubsub_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'serve'
            __pubsub_parse_subcommand 0 'host=' 'port=' 'access-key=' 'keepalive-interval=' 'trace-buffer=' 'trace-history=' 'event-handler=+' 'event-handler-config=' 'event-handler-timeout=' 'tls-cert=' 'tls-key=' 'handshake-timeout=' 'http-idle-timeout=' 'max-connections=' 'max-connections-per-user=' 'max-groups-per-connection=' 'listen-backlog=' 'outbound-queue-bytes=' 'history=' 'public-group=+' 'allow-origin=' 'heartbeat=' 'max-sse-streams=' 'max-groups=' 'group-linger=' 'history-bytes=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'serve-sse'
            __pubsub_parse_subcommand 0 'hub=' 'group=+' 'host=' 'port=' 'history=' 'public-group=+' 'allow-origin=' 'heartbeat=' 'max-sse-streams=' 'max-groups=' 'group-linger=' 'history-bytes=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'tls-cert=' 'tls-key=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'subscribe'
            __pubsub_parse_subcommand 0 'hub=' 'user=' 'url=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'group=+' 'protocol=' 'format=' 'events' 'count=' 'timeout=' 'idle=' 'ready-file=' 'keepalive=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'publish'
            __pubsub_parse_subcommand 1 'lines' 'file=' 'hub=' 'group=' 'user=' 'connection=' 'content-type=' 'exclude=+' 'filter=' 'ttl=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'send-to-group'
            __pubsub_parse_subcommand 2 'lines' 'file=' 'hub=' 'user=' 'url=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'data-type=' 'no-ack' 'no-echo' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'group'
            __pubsub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add-connection'
                __pubsub_parse_subcommand 2 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'remove-connection'
                __pubsub_parse_subcommand 2 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'add-user'
                __pubsub_parse_subcommand 2 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'remove-user'
                __pubsub_parse_subcommand 2 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'add-matching'
                __pubsub_parse_subcommand -r 1 'filter=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'remove-matching'
                __pubsub_parse_subcommand -r 1 'filter=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'exists'
                __pubsub_parse_subcommand 1 'format=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'list'
                __pubsub_parse_subcommand 1 'top=' 'format=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            end
        case 'connection'
            __pubsub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'close'
                __pubsub_parse_subcommand 1 'reason=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'exists'
                __pubsub_parse_subcommand 1 'format=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'close-all'
                __pubsub_parse_subcommand 0 'group=' 'user=' 'exclude=+' 'reason=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            end
        case 'user'
            __pubsub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'exists'
                __pubsub_parse_subcommand 1 'format=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'leave'
                __pubsub_parse_subcommand 1 'group=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            end
        case 'permission'
            __pubsub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'grant'
                __pubsub_parse_subcommand 2 'group=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'revoke'
                __pubsub_parse_subcommand 2 'group=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'check'
                __pubsub_parse_subcommand 2 'group=' 'format=' 'hub=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            end
        case 'health'
            __pubsub_parse_subcommand 0 'wait=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'trace'
            __pubsub_parse_subcommand 0 'hub=+' 'group=+' 'user=+' 'connection=+' 'kind=+' 'deliveries' 'payload' 'max-payload=' 'format=' 'color=' 'count=' 'timeout=' 'connection-string=' 'connection-string-file=' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
        case 'bench'
            __pubsub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'fanout'
                __pubsub_parse_subcommand 0 'subscribers=' 'group=' 'hub-wide' 'publishers=' 'via=' 'size=' 'rate=' 'count=' 'duration=' 'protocol=' 'hub=' 'format=' 'concurrency=' 'source-addresses=' 'connection-string=' 'connection-string-file=' 'raw-url=' 'subprotocol=+' 'subscriber-preamble=+' 'publisher-preamble=+' 'publish-prefix=' 'publish-suffix=' 'binary' 'await-first-frame' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'groups'
                __pubsub_parse_subcommand 0 'shape=' 'groups=' 'members=' 'publishers=' 'via=' 'size=' 'rate=' 'count=' 'duration=' 'protocol=' 'hub=' 'format=' 'concurrency=' 'source-addresses=' 'connection-string=' 'connection-string-file=' 'raw-url=' 'subprotocol=+' 'subscriber-preamble=+' 'publisher-preamble=+' 'publish-prefix=' 'publish-suffix=' 'binary' 'await-first-frame' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'connect'
                __pubsub_parse_subcommand 0 'connections=' 'protocol=' 'no-join' 'hub=' 'format=' 'concurrency=' 'source-addresses=' 'connection-string=' 'connection-string-file=' 'raw-url=' 'subprotocol=+' 'subscriber-preamble=+' 'publisher-preamble=+' 'publish-prefix=' 'publish-suffix=' 'binary' 'await-first-frame' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'idle'
                __pubsub_parse_subcommand 0 'connections=' 'hold=' 'protocol=' 'hub=' 'format=' 'concurrency=' 'source-addresses=' 'connection-string=' 'connection-string-file=' 'raw-url=' 'subprotocol=+' 'subscriber-preamble=+' 'publisher-preamble=+' 'publish-prefix=' 'publish-suffix=' 'binary' 'await-first-frame' 'ca-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            end
        case 'token'
            __pubsub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'mint'
                __pubsub_parse_subcommand 0 'hub=' 'connection-string=' 'connection-string-file=' 'user=' 'role=+' 'group=+' 'expires=' 'client-protocol=' 'output=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            case 'decode'
                __pubsub_parse_subcommand 1 'verify' 'hub=' 'audience=' 'output=' 'connection-string=' 'connection-string-file=' 'v/verbose' 'q/quiet' 'log-level=' 'version' 'h/help'
            end
        case 'help'
            __pubsub_parse_subcommand -r 1 'version'
        end
    end
end

function __pubsub_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __pubsub_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __pubsub_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __pubsub_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__pubsub_tokens -p)
    if test -z "$(__pubsub_tokens -t)"
        set -l index (count (__pubsub_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'pubsub' -f
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'serve' -d 'Run the local Web PubSub-compatible service.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'serve-sse' -d 'Run a Server-Sent Events gateway in front of a hub (local or Azure).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'subscribe' -d 'Receive messages from a hub and its groups over WebSocket, one line each.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'publish' -d 'Publish messages through the service\'s REST API (server-side send).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'send-to-group' -d 'Publish to a group as a client, over WebSocket, waiting for each ack.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'group' -d 'Manage group membership over the REST API (local service or Azure).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'connection' -d 'Close connections and check that one exists, over the REST API.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'user' -d 'Check that a user is connected; take a user out of groups.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'permission' -d 'Grant, revoke and check a connection\'s sendToGroup and joinLeaveGroup permissions.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'health' -d 'Check that the service answers (HEAD /api/health): a readiness probe for scripts and CI.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'trace' -d 'Stream a live trace of everything that flows through the local service.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'bench' -d 'Measure a Web PubSub service: fan-out, groups, connection storms, idle connections.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'token' -d 'Mint client access URLs and tokens; decode and verify tokens.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" host' -l 'host' -d 'Address to listen on.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" port' -l 'port' -d 'Port to listen on; 0 picks a free port and prints it.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" access-key' -l 'access-key' -d 'The access key tokens must be signed with (env: PUBSUB_ACCESS_KEY); default: the development key.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" keepalive-interval' -l 'keepalive-interval' -d 'Seconds between the WebSocket pings sent to every client (Azure\'s webSocketKeepAliveIntervalInSeconds, 1 to 120); a client that misses a pong is closed.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" trace-buffer' -l 'trace-buffer' -d 'Live-trace events that may wait for one slow `pubsub trace` before it misses some.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" trace-history' -l 'trace-history' -d 'Live-trace events kept so that a `pubsub trace` that reconnects resumes without a gap; 0 keeps none.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve"' -l 'event-handler' -d 'An event handler: \'HUB=URL_TEMPLATE [user=*|NAME,…] [system=connect,connected,disconnected]\'; repeat for more.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" event-handler-config' -l 'event-handler-config' -d 'A JSON file of event handlers: {"hubs":{"chat":{"eventHandlers":[{"urlTemplate":…,"userEventPattern":"*","systemEvents":["connect"]}]}}}.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'json\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" event-handler-timeout' -l 'event-handler-timeout' -d 'How long connect and user events wait for their handler\'s answer (e.g. 10s, 500ms).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" tls-cert' -l 'tls-cert' -d 'Serve https:// (and wss://) on the port with this PEM certificate chain (leaf first); needs --tls-key.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" tls-key' -l 'tls-key' -d 'The PEM private key of --tls-cert.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" handshake-timeout' -l 'handshake-timeout' -d 'Time a new connection has to send its whole first request (the WebSocket upgrade or an HTTP request head); then 408.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" http-idle-timeout' -l 'http-idle-timeout' -d 'Time an HTTP connection may idle between requests, or stall inside one, before it is closed.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" max-connections' -l 'max-connections' -d 'Client WebSocket connections held at once; more are refused with 503.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" max-connections-per-user' -l 'max-connections-per-user' -d 'Connections one user (the token\'s sub) may hold in a hub; more are refused with 429.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" max-groups-per-connection' -l 'max-groups-per-connection' -d 'Groups one connection may be in; a join past it is refused.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" listen-backlog' -l 'listen-backlog' -d 'Connections waiting to be accepted (the listen backlog); default: the system\'s limit (net.core.somaxconn).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" outbound-queue-bytes' -l 'outbound-queue-bytes' -d 'Bytes waiting to be sent to one connection before it is closed as too slow (e.g. 16MB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" history' -l 'history' -d 'Events kept per stream (server-wide, each group) for Last-Event-ID resume.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve"' -l 'public-group' -d 'A group anyone may read over SSE without a token; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" allow-origin' -l 'allow-origin' -d 'Send CORS headers for this origin (or *) on the SSE endpoints.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" heartbeat' -l 'heartbeat' -d 'Comment line sent on an idle SSE stream this often.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" max-sse-streams' -l 'max-sse-streams' -d 'SSE readers served at once; more are refused with 503.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" max-groups' -l 'max-groups' -d 'Groups a hub carries for SSE readers at once (joined when a reader first asks); more are refused with 503.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" group-linger' -l 'group-linger' -d 'How long a group is still carried after its last SSE reader left, so that a reader that reconnects misses nothing.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" history-bytes' -l 'history-bytes' -d 'Bytes of SSE history a hub keeps across its streams; the oldest events go first (e.g. 64MB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse"' -l 'group' -d 'A group to carry (joined upstream); repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" host' -l 'host' -d 'Address to listen on.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" port' -l 'port' -d 'Port to listen on; 0 picks a free port and prints it.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" history' -l 'history' -d 'Events kept per stream (server-wide, each group) for Last-Event-ID resume.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse"' -l 'public-group' -d 'A group anyone may read over SSE without a token; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" allow-origin' -l 'allow-origin' -d 'Send CORS headers for this origin (or *) on the SSE endpoints.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" heartbeat' -l 'heartbeat' -d 'Comment line sent on an idle SSE stream this often.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" max-sse-streams' -l 'max-sse-streams' -d 'SSE readers served at once; more are refused with 503.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" max-groups' -l 'max-groups' -d 'Groups a hub carries for SSE readers at once (joined when a reader first asks); more are refused with 503.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" group-linger' -l 'group-linger' -d 'How long a group is still carried after its last SSE reader left, so that a reader that reconnects misses nothing.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" history-bytes' -l 'history-bytes' -d 'Bytes of SSE history a hub keeps across its streams; the oldest events go first (e.g. 64MB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" tls-cert' -l 'tls-cert' -d 'Serve https:// (and wss://) on the port with this PEM certificate chain (leaf first); needs --tls-key.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" tls-key' -l 'tls-key' -d 'The PEM private key of --tls-cert.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub serve-sse" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" hub' -l 'hub' -d 'The hub (env: PUBSUB_HUB); not needed with --url.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" user' -l 'user' -d 'The user id to connect as (minted into the token).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" url' -l 'url' -d 'A ready client access URL instead of a connection string (reused on reconnect).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe"' -l 'group' -d 'A group to join; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" protocol' -l 'protocol' -d 'reliable (default), json, or simple (no subprotocol; groups from the token).' -rfka 'reliable json simple'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" format' -l 'format' -d 'Output: text, json (NDJSON) or raw.' -rfka 'text json raw'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" events' -l 'events' -d 'With --format json, add lifecycle events to the output as {"event": …} records.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" count' -l 'count' -d 'Stop after this many messages.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" timeout' -l 'timeout' -d 'Give up after this long (exit 75): 30s, 5m.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" idle' -l 'idle' -d 'Stop when no message arrived for this long (exit 0).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" ready-file' -l 'ready-file' -d 'Write the connection id to this file once every group is joined.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" keepalive' -l 'keepalive' -d 'Ping period; silent for 3 periods means half-open, and the client reconnects.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub subscribe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" lines' -l 'lines' -d 'Send one message per line of standard input, in order.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" file' -l 'file' -d 'Send the contents of this file as one message.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" group' -l 'group' -d 'Send to this group instead of the whole hub.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" user' -l 'user' -d 'Send to this user\'s connections.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" connection' -l 'connection' -d 'Send to this one connection.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" content-type' -l 'content-type' -d 'How the service and clients see the payload: text, json (validated first) or binary.' -rfka 'text json binary'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish"' -l 'exclude' -d 'A connection id that must not receive it (hub and group sends); repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" filter' -l 'filter' -d 'An OData filter, e.g. "userId ne \'bot\'" (not with --connection).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" ttl' -l 'ttl' -d 'Drop the message for clients not sent it within this time: 1s to 300s.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub publish" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" lines' -l 'lines' -d 'Send one message per line of standard input, in order.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" file' -l 'file' -d 'Send the contents of this file as one message.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" hub' -l 'hub' -d 'The hub (env: PUBSUB_HUB); not needed with --url.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" user' -l 'user' -d 'The user id to connect as (minted into the token).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" url' -l 'url' -d 'A ready client access URL instead of a connection string (reused on reconnect).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" data-type' -l 'data-type' -d 'How subscribers see the data: text, json (validated first) or binary.' -rfka 'text json binary'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" no-ack' -l 'no-ack' -d 'Do not wait for acks (fire and forget).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" no-echo' -l 'no-echo' -d 'Do not deliver the message back to this connection.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub send-to-group" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'add-connection' -d 'Add a connection to a group.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'remove-connection' -d 'Remove a connection from a group.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'add-user' -d 'Add a user to a group: the connections they have and those they open later.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'remove-user' -d 'Remove a user from a group (see `pubsub user leave` for every group).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'add-matching' -d 'Add the connections an OData filter selects to one or more groups.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'remove-matching' -d 'Remove the connections an OData filter selects from one or more groups.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'exists' -d 'Whether a group has any connection: exit 0 if so, 1 if not.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub group" -eq 1' -fa 'list' -d 'List a group\'s connections (REST api-version 2024-12-01, page by page).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-connection" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-connection" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-user" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-user" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" filter' -l 'filter' -d 'Which connections: an OData filter, e.g. "userId eq \'alice\'".' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group add-matching" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" filter' -l 'filter' -d 'Which connections: an OData filter, e.g. "userId eq \'alice\'".' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group remove-matching" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" format' -l 'format' -d 'Also print the answer: text prints nothing, json prints {"exists":…}.' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group exists" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" top' -l 'top' -d 'At most this many connections.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" format' -l 'format' -d 'text or json.' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub group list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub connection" -eq 1' -fa 'close' -d 'Close one connection; a JSON client is told the reason in its disconnected message.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub connection" -eq 1' -fa 'exists' -d 'Whether a connection is open: exit 0 if so, 1 if not.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub connection" -eq 1' -fa 'close-all' -d 'Close every connection of the hub, of a group (--group) or of a user (--user).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" reason' -l 'reason' -d 'Why, for the client.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" format' -l 'format' -d 'Also print the answer: text prints nothing, json prints {"exists":…}.' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection exists" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" group' -l 'group' -d 'Only this group\'s connections.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" user' -l 'user' -d 'Only this user\'s connections.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all"' -l 'exclude' -d 'A connection to keep; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" reason' -l 'reason' -d 'Why, for the clients.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub connection close-all" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub user" -eq 1' -fa 'exists' -d 'Whether a user has a connection open: exit 0 if so, 1 if not.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub user" -eq 1' -fa 'leave' -d 'Remove a user from every group, or from one with --group.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" format' -l 'format' -d 'Also print the answer: text prints nothing, json prints {"exists":…}.' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user exists" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" group' -l 'group' -d 'Only this group.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub user leave" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub permission" -eq 1' -fa 'grant' -d 'Grant a connection a permission.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub permission" -eq 1' -fa 'revoke' -d 'Revoke a permission from a connection.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub permission" -eq 1' -fa 'check' -d 'Whether a connection holds a permission: exit 0 if so, 1 if not.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub permission grant" -eq 1' -fka 'sendToGroup joinLeaveGroup'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" group' -l 'group' -d 'For this group only (default: every group).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission grant" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub permission revoke" -eq 1' -fka 'sendToGroup joinLeaveGroup'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" group' -l 'group' -d 'For this group only (default: every group).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub permission check" -eq 1' -fka 'sendToGroup joinLeaveGroup'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" group' -l 'group' -d 'For this group only (default: every group).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" format' -l 'format' -d 'Also print the answer: text prints nothing, json prints {"exists":…}.' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub permission check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" wait' -l 'wait' -d 'Keep trying for this long: 30s, 2m.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub health" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace"' -l 'hub' -d 'Only events of this hub; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace"' -l 'group' -d 'Only events about this group; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace"' -l 'user' -d 'Only events about this user id; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace"' -l 'connection' -d 'Only events about this connection id; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace"' -l 'kind' -d 'Only these kinds (comma-separated or repeated): connected, refused, recovery, dropped, disconnected, join, leave, request, publish, deliver, ack, rest, slow-client, event-handler.' -rfka 'connected refused recovery dropped disconnected join leave request publish deliver ack rest slow-client event-handler'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" deliveries' -l 'deliveries' -d 'Add one record per delivery to each connection (kind deliver).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" payload' -l 'payload' -d 'Add message bodies to the records.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" max-payload' -l 'max-payload' -d 'Cut bodies at this many bytes (with --payload).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" format' -l 'format' -d 'Output: text (aligned lines) or json (NDJSON, one record per line).' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" color' -l 'color' -d 'Colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never.' -rfka 'auto always never'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" count' -l 'count' -d 'Stop after this many events.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" timeout' -l 'timeout' -d 'Stop after this long: 30s, 5m (exit 75 if --count was not reached).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub trace" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub bench" -eq 1' -fa 'fanout' -d 'N subscribers in one group (or the whole hub), publishers sending to them.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub bench" -eq 1' -fa 'groups' -d 'Many groups of M members each; publishers send to the groups in turn.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub bench" -eq 1' -fa 'connect' -d 'A connection storm: connections/s, each including the handshake and an acked join.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub bench" -eq 1' -fa 'idle' -d 'Hold N connections; report the local service\'s memory per connection and its idle CPU.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" subscribers' -l 'subscribers' -d 'Subscribers.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" group' -l 'group' -d 'The group subscribers join.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" hub-wide' -l 'hub-wide' -d 'Subscribers join no group; messages go to the whole hub (REST only).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" publishers' -l 'publishers' -d 'Publishers.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" via' -l 'via' -d 'How publishers send: rest, or websocket (a client\'s sendToGroup).' -rfka 'rest websocket'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" size' -l 'size' -d 'Bytes per message (the timestamp header takes about 40).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" rate' -l 'rate' -d 'Messages per second, all publishers together; default: a burst, as fast as they can.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" count' -l 'count' -d 'Messages to publish in all (default 100 unless --duration).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" duration' -l 'duration' -d 'Publish for this long: 10s, 2m.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" protocol' -l 'protocol' -d 'Subscribers speak json, reliable or simple.' -rfka 'json reliable simple'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" hub' -l 'hub' -d 'The hub to use (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" format' -l 'format' -d 'Result: table or json.' -rfka 'table json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" concurrency' -l 'concurrency' -d 'Connections opened at once.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" source-addresses' -l 'source-addresses' -d 'Spread connections over this many source addresses 127.0.0.1… (loopback services; default: one per 25,000 connections).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" raw-url' -l 'raw-url' -d 'Bench a WebSocket server that is not Web PubSub (an MQTT or NATS broker\'s WebSocket listener) at ws://host:port/path; the connection string is not used.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout"' -l 'subprotocol' -d 'With --raw-url: offer this subprotocol (mqtt for MQTT brokers); repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout"' -l 'subscriber-preamble' -d 'With --raw-url: a frame each subscriber sends once upgraded; repeatable, sent in order. \\xHH is a byte, \\r \\n \\t \\\\ \\{ escapes, {group} the subscriber\'s group.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout"' -l 'publisher-preamble' -d 'With --raw-url: a frame each publisher sends once upgraded; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" publish-prefix' -l 'publish-prefix' -d 'With --raw-url: the bytes of a published frame before the payload; {group} the target, {size} the payload\'s length.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" publish-suffix' -l 'publish-suffix' -d 'With --raw-url: the bytes of a published frame after the payload.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" binary' -l 'binary' -d 'With --raw-url: send binary frames (MQTT), not text.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" await-first-frame' -l 'await-first-frame' -d 'With --raw-url: a subscriber counts as open once the server has sent it a frame (an MQTT CONNACK, NATS\'s INFO).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench fanout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" shape' -l 'shape' -d 'big (10 groups × 1,000 members) or small (1,000 groups × 10).' -rfka 'big small'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" groups' -l 'groups' -d 'Number of groups.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" members' -l 'members' -d 'Members per group.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" publishers' -l 'publishers' -d 'Publishers.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" via' -l 'via' -d 'How publishers send: rest, or websocket (a client\'s sendToGroup).' -rfka 'rest websocket'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" size' -l 'size' -d 'Bytes per message (the timestamp header takes about 40).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" rate' -l 'rate' -d 'Messages per second, all publishers together; default: a burst, as fast as they can.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" count' -l 'count' -d 'Messages to publish in all (default 100 unless --duration).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" duration' -l 'duration' -d 'Publish for this long: 10s, 2m.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" protocol' -l 'protocol' -d 'Subscribers speak json, reliable or simple.' -rfka 'json reliable simple'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" hub' -l 'hub' -d 'The hub to use (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" format' -l 'format' -d 'Result: table or json.' -rfka 'table json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" concurrency' -l 'concurrency' -d 'Connections opened at once.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" source-addresses' -l 'source-addresses' -d 'Spread connections over this many source addresses 127.0.0.1… (loopback services; default: one per 25,000 connections).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" raw-url' -l 'raw-url' -d 'Bench a WebSocket server that is not Web PubSub (an MQTT or NATS broker\'s WebSocket listener) at ws://host:port/path; the connection string is not used.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups"' -l 'subprotocol' -d 'With --raw-url: offer this subprotocol (mqtt for MQTT brokers); repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups"' -l 'subscriber-preamble' -d 'With --raw-url: a frame each subscriber sends once upgraded; repeatable, sent in order. \\xHH is a byte, \\r \\n \\t \\\\ \\{ escapes, {group} the subscriber\'s group.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups"' -l 'publisher-preamble' -d 'With --raw-url: a frame each publisher sends once upgraded; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" publish-prefix' -l 'publish-prefix' -d 'With --raw-url: the bytes of a published frame before the payload; {group} the target, {size} the payload\'s length.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" publish-suffix' -l 'publish-suffix' -d 'With --raw-url: the bytes of a published frame after the payload.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" binary' -l 'binary' -d 'With --raw-url: send binary frames (MQTT), not text.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" await-first-frame' -l 'await-first-frame' -d 'With --raw-url: a subscriber counts as open once the server has sent it a frame (an MQTT CONNACK, NATS\'s INFO).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench groups" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" connections' -l 'connections' -d 'Connections to open.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" protocol' -l 'protocol' -d 'json, reliable or simple (a simple client joins through its token).' -rfka 'json reliable simple'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" no-join' -l 'no-join' -d 'Open connections without joining a group.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" hub' -l 'hub' -d 'The hub to use (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" format' -l 'format' -d 'Result: table or json.' -rfka 'table json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" concurrency' -l 'concurrency' -d 'Connections opened at once.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" source-addresses' -l 'source-addresses' -d 'Spread connections over this many source addresses 127.0.0.1… (loopback services; default: one per 25,000 connections).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" raw-url' -l 'raw-url' -d 'Bench a WebSocket server that is not Web PubSub (an MQTT or NATS broker\'s WebSocket listener) at ws://host:port/path; the connection string is not used.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect"' -l 'subprotocol' -d 'With --raw-url: offer this subprotocol (mqtt for MQTT brokers); repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect"' -l 'subscriber-preamble' -d 'With --raw-url: a frame each subscriber sends once upgraded; repeatable, sent in order. \\xHH is a byte, \\r \\n \\t \\\\ \\{ escapes, {group} the subscriber\'s group.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect"' -l 'publisher-preamble' -d 'With --raw-url: a frame each publisher sends once upgraded; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" publish-prefix' -l 'publish-prefix' -d 'With --raw-url: the bytes of a published frame before the payload; {group} the target, {size} the payload\'s length.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" publish-suffix' -l 'publish-suffix' -d 'With --raw-url: the bytes of a published frame after the payload.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" binary' -l 'binary' -d 'With --raw-url: send binary frames (MQTT), not text.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" await-first-frame' -l 'await-first-frame' -d 'With --raw-url: a subscriber counts as open once the server has sent it a frame (an MQTT CONNACK, NATS\'s INFO).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench connect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" connections' -l 'connections' -d 'Connections to hold.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" hold' -l 'hold' -d 'How long to hold them while CPU is measured (a multiple of the ping interval).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" protocol' -l 'protocol' -d 'json, reliable or simple.' -rfka 'json reliable simple'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" hub' -l 'hub' -d 'The hub to use (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" format' -l 'format' -d 'Result: table or json.' -rfka 'table json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" concurrency' -l 'concurrency' -d 'Connections opened at once.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" source-addresses' -l 'source-addresses' -d 'Spread connections over this many source addresses 127.0.0.1… (loopback services; default: one per 25,000 connections).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" raw-url' -l 'raw-url' -d 'Bench a WebSocket server that is not Web PubSub (an MQTT or NATS broker\'s WebSocket listener) at ws://host:port/path; the connection string is not used.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle"' -l 'subprotocol' -d 'With --raw-url: offer this subprotocol (mqtt for MQTT brokers); repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle"' -l 'subscriber-preamble' -d 'With --raw-url: a frame each subscriber sends once upgraded; repeatable, sent in order. \\xHH is a byte, \\r \\n \\t \\\\ \\{ escapes, {group} the subscriber\'s group.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle"' -l 'publisher-preamble' -d 'With --raw-url: a frame each publisher sends once upgraded; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" publish-prefix' -l 'publish-prefix' -d 'With --raw-url: the bytes of a published frame before the payload; {group} the target, {size} the payload\'s length.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" publish-suffix' -l 'publish-suffix' -d 'With --raw-url: the bytes of a published frame after the payload.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" binary' -l 'binary' -d 'With --raw-url: send binary frames (MQTT), not text.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" await-first-frame' -l 'await-first-frame' -d 'With --raw-url: a subscriber counts as open once the server has sent it a frame (an MQTT CONNACK, NATS\'s INFO).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" ca-file' -l 'ca-file' -d 'Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub bench idle" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub token" -eq 1' -fa 'mint' -d 'Mint a client access URL and token (the default of `pubsub token`).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_positional "pubsub token" -eq 1' -fa 'decode' -d 'Show a token\'s header and claims, and whether and when it expires; --verify checks it.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" hub' -l 'hub' -d 'The hub name, e.g. chat (env: PUBSUB_HUB).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" user' -l 'user' -d 'The user id (the token\'s sub claim); omit for an anonymous connection.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint"' -l 'role' -d 'A role to grant; repeatable. webpubsub.joinLeaveGroup, webpubsub.sendToGroup, their .<group> forms, or webpubsub.joinLeaveGroups.<pattern> / webpubsub.sendToGroups.<pattern>.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint"' -l 'group' -d 'A group the connection joins when it opens; repeatable.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" expires' -l 'expires' -d 'How long the token is valid: 90s, 60m, 2h, 1d, 1h30m.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" client-protocol' -l 'client-protocol' -d 'The kind of client: default, mqtt or socketio (changes the URL path and aud).' -rfka 'default mqtt socketio'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" output' -l 'output' -d 'What to print: url, token or json.' -rfka 'url token json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token mint" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" verify' -l 'verify' -d 'Check signature, algorithm, expiry and audience with the connection string\'s AccessKey.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" hub' -l 'hub' -d 'With --verify: the hub whose client URL aud must name.' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" audience' -l 'audience' -d 'With --verify: the URL aud must name (a REST request URL, say).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" output' -l 'output' -d 'What to print: text or json.' -rfka 'text json'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" connection-string' -l 'connection-string' -d 'The service\'s connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" connection-string-file' -l 'connection-string-file' -d 'Read the connection string from a file; - reads standard input.' -rF
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode"' -l 'verbose' -s 'v' -d 'Log more to stderr: -v for info, -vv for debug.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" q quiet' -l 'quiet' -s 'q' -d 'Print no notices on stderr (errors are still printed).'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" log-level' -l 'log-level' -d 'Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).' -rfka ''
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" version' -l 'version' -d 'Show the version.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub token decode" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pubsub' -n '__pubsub_should_offer_completions_for_flags_or_options "pubsub help" version' -l 'version' -d 'Show the version.'
