#!/bin/bash

__pubsub_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__pubsub_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__pubsub_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__pubsub_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_pubsub() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    serve|serve-sse|subscribe|publish|send-to-group|group|connection|user|permission|health|trace|bench|token|help)
        # Offer subcommand argument completions
        "_pubsub_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'serve serve-sse subscribe publish send-to-group group connection user permission health trace bench token help' -- "${cur}"))
        ;;
    esac
}

_pubsub_serve() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=(--event-handler --public-group)
    non_repeating_options=(--host --port --access-key --keepalive-interval --trace-buffer --trace-history --event-handler-config --event-handler-timeout --tls-cert --tls-key --handshake-timeout --http-idle-timeout --max-connections --max-connections-per-user --max-groups-per-connection --listen-backlog --outbound-queue-bytes --history --allow-origin --heartbeat --max-sse-streams --max-groups --group-linger --history-bytes --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--access-key')
        return
        ;;
    '--keepalive-interval')
        return
        ;;
    '--trace-buffer')
        return
        ;;
    '--trace-history')
        return
        ;;
    '--event-handler')
        return
        ;;
    '--event-handler-config')
        __pubsub_add_completions -o plusdirs -fX '!*.@(json)'
        return
        ;;
    '--event-handler-timeout')
        return
        ;;
    '--tls-cert')
        __pubsub_add_completions -f
        return
        ;;
    '--tls-key')
        __pubsub_add_completions -f
        return
        ;;
    '--handshake-timeout')
        return
        ;;
    '--http-idle-timeout')
        return
        ;;
    '--max-connections')
        return
        ;;
    '--max-connections-per-user')
        return
        ;;
    '--max-groups-per-connection')
        return
        ;;
    '--listen-backlog')
        return
        ;;
    '--outbound-queue-bytes')
        return
        ;;
    '--history')
        return
        ;;
    '--public-group')
        return
        ;;
    '--allow-origin')
        return
        ;;
    '--heartbeat')
        return
        ;;
    '--max-sse-streams')
        return
        ;;
    '--max-groups')
        return
        ;;
    '--group-linger')
        return
        ;;
    '--history-bytes')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_serve-sse() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=(--group --public-group)
    non_repeating_options=(--hub --host --port --history --allow-origin --heartbeat --max-sse-streams --max-groups --group-linger --history-bytes --connection-string --connection-string-file --ca-file --tls-cert --tls-key --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--group')
        return
        ;;
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--history')
        return
        ;;
    '--public-group')
        return
        ;;
    '--allow-origin')
        return
        ;;
    '--heartbeat')
        return
        ;;
    '--max-sse-streams')
        return
        ;;
    '--max-groups')
        return
        ;;
    '--group-linger')
        return
        ;;
    '--history-bytes')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--tls-cert')
        __pubsub_add_completions -f
        return
        ;;
    '--tls-key')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_subscribe() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--events --quiet -q --version -h --help)
    repeating_options=(--group)
    non_repeating_options=(--hub --user --url --connection-string --connection-string-file --ca-file --protocol --format --count --timeout --idle --ready-file --keepalive --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--user')
        return
        ;;
    '--url')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--group')
        return
        ;;
    '--protocol')
        __pubsub_add_completions -W 'reliable'$'\n''json'$'\n''simple'
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'$'\n''raw'
        return
        ;;
    '--count')
        return
        ;;
    '--timeout')
        return
        ;;
    '--idle')
        return
        ;;
    '--ready-file')
        __pubsub_add_completions -f
        return
        ;;
    '--keepalive')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_publish() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--lines --quiet -q --version -h --help)
    repeating_options=(--exclude)
    non_repeating_options=(--file --hub --group --user --connection --content-type --filter --ttl --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--file')
        __pubsub_add_completions -f
        return
        ;;
    '--hub')
        return
        ;;
    '--group')
        return
        ;;
    '--user')
        return
        ;;
    '--connection')
        return
        ;;
    '--content-type')
        __pubsub_add_completions -W 'text'$'\n''json'$'\n''binary'
        return
        ;;
    '--exclude')
        return
        ;;
    '--filter')
        return
        ;;
    '--ttl')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_send-to-group() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--lines --no-ack --no-echo --quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --hub --user --url --connection-string --connection-string-file --ca-file --data-type --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--file')
        __pubsub_add_completions -f
        return
        ;;
    '--hub')
        return
        ;;
    '--user')
        return
        ;;
    '--url')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--data-type')
        __pubsub_add_completions -W 'text'$'\n''json'$'\n''binary'
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add-connection|remove-connection|add-user|remove-user|add-matching|remove-matching|exists|list)
        # Offer subcommand argument completions
        "_pubsub_group_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add-connection remove-connection add-user remove-user add-matching remove-matching exists list' -- "${cur}"))
        ;;
    esac
}

_pubsub_group_add-connection() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_remove-connection() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_add-user() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_remove-user() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_add-matching() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--filter --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--filter')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_remove-matching() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--filter --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--filter')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_exists() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--format --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_group_list() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--top --format --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--top')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_connection() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    close|exists|close-all)
        # Offer subcommand argument completions
        "_pubsub_connection_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'close exists close-all' -- "${cur}"))
        ;;
    esac
}

_pubsub_connection_close() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--reason --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--reason')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_connection_exists() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--format --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_connection_close-all() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=(--exclude)
    non_repeating_options=(--group --user --reason --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--group')
        return
        ;;
    '--user')
        return
        ;;
    '--exclude')
        return
        ;;
    '--reason')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_user() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    exists|leave)
        # Offer subcommand argument completions
        "_pubsub_user_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'exists leave' -- "${cur}"))
        ;;
    esac
}

_pubsub_user_exists() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--format --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_user_leave() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--group --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--group')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_permission() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    grant|revoke|check)
        # Offer subcommand argument completions
        "_pubsub_permission_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'grant revoke check' -- "${cur}"))
        ;;
    esac
}

_pubsub_permission_grant() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--group --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--group')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __pubsub_add_completions -W 'sendToGroup'$'\n''joinLeaveGroup'
        return
        ;;
    esac
}

_pubsub_permission_revoke() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--group --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--group')
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __pubsub_add_completions -W 'sendToGroup'$'\n''joinLeaveGroup'
        return
        ;;
    esac
}

_pubsub_permission_check() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--group --format --hub --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--group')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __pubsub_add_completions -W 'sendToGroup'$'\n''joinLeaveGroup'
        return
        ;;
    esac
}

_pubsub_health() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--wait --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--wait')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_trace() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--deliveries --payload --quiet -q --version -h --help)
    repeating_options=(--hub --group --user --connection --kind)
    non_repeating_options=(--max-payload --format --color --count --timeout --connection-string --connection-string-file --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--group')
        return
        ;;
    '--user')
        return
        ;;
    '--connection')
        return
        ;;
    '--kind')
        __pubsub_add_completions -W 'connected'$'\n''refused'$'\n''recovery'$'\n''dropped'$'\n''disconnected'$'\n''join'$'\n''leave'$'\n''request'$'\n''publish'$'\n''deliver'$'\n''ack'$'\n''rest'$'\n''slow-client'$'\n''event-handler'
        return
        ;;
    '--max-payload')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--color')
        __pubsub_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    '--count')
        return
        ;;
    '--timeout')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_bench() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    fanout|groups|connect|idle)
        # Offer subcommand argument completions
        "_pubsub_bench_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'fanout groups connect idle' -- "${cur}"))
        ;;
    esac
}

_pubsub_bench_fanout() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--hub-wide --binary --await-first-frame --quiet -q --version -h --help)
    repeating_options=(--subprotocol --subscriber-preamble --publisher-preamble)
    non_repeating_options=(--subscribers --group --publishers --via --size --rate --count --duration --protocol --hub --format --concurrency --source-addresses --connection-string --connection-string-file --raw-url --publish-prefix --publish-suffix --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--subscribers')
        return
        ;;
    '--group')
        return
        ;;
    '--publishers')
        return
        ;;
    '--via')
        __pubsub_add_completions -W 'rest'$'\n''websocket'
        return
        ;;
    '--size')
        return
        ;;
    '--rate')
        return
        ;;
    '--count')
        return
        ;;
    '--duration')
        return
        ;;
    '--protocol')
        __pubsub_add_completions -W 'json'$'\n''reliable'$'\n''simple'
        return
        ;;
    '--hub')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'table'$'\n''json'
        return
        ;;
    '--concurrency')
        return
        ;;
    '--source-addresses')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--raw-url')
        return
        ;;
    '--subprotocol')
        return
        ;;
    '--subscriber-preamble')
        return
        ;;
    '--publisher-preamble')
        return
        ;;
    '--publish-prefix')
        return
        ;;
    '--publish-suffix')
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_bench_groups() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--binary --await-first-frame --quiet -q --version -h --help)
    repeating_options=(--subprotocol --subscriber-preamble --publisher-preamble)
    non_repeating_options=(--shape --groups --members --publishers --via --size --rate --count --duration --protocol --hub --format --concurrency --source-addresses --connection-string --connection-string-file --raw-url --publish-prefix --publish-suffix --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--shape')
        __pubsub_add_completions -W 'big'$'\n''small'
        return
        ;;
    '--groups')
        return
        ;;
    '--members')
        return
        ;;
    '--publishers')
        return
        ;;
    '--via')
        __pubsub_add_completions -W 'rest'$'\n''websocket'
        return
        ;;
    '--size')
        return
        ;;
    '--rate')
        return
        ;;
    '--count')
        return
        ;;
    '--duration')
        return
        ;;
    '--protocol')
        __pubsub_add_completions -W 'json'$'\n''reliable'$'\n''simple'
        return
        ;;
    '--hub')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'table'$'\n''json'
        return
        ;;
    '--concurrency')
        return
        ;;
    '--source-addresses')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--raw-url')
        return
        ;;
    '--subprotocol')
        return
        ;;
    '--subscriber-preamble')
        return
        ;;
    '--publisher-preamble')
        return
        ;;
    '--publish-prefix')
        return
        ;;
    '--publish-suffix')
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_bench_connect() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--no-join --binary --await-first-frame --quiet -q --version -h --help)
    repeating_options=(--subprotocol --subscriber-preamble --publisher-preamble)
    non_repeating_options=(--connections --protocol --hub --format --concurrency --source-addresses --connection-string --connection-string-file --raw-url --publish-prefix --publish-suffix --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--connections')
        return
        ;;
    '--protocol')
        __pubsub_add_completions -W 'json'$'\n''reliable'$'\n''simple'
        return
        ;;
    '--hub')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'table'$'\n''json'
        return
        ;;
    '--concurrency')
        return
        ;;
    '--source-addresses')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--raw-url')
        return
        ;;
    '--subprotocol')
        return
        ;;
    '--subscriber-preamble')
        return
        ;;
    '--publisher-preamble')
        return
        ;;
    '--publish-prefix')
        return
        ;;
    '--publish-suffix')
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_bench_idle() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--binary --await-first-frame --quiet -q --version -h --help)
    repeating_options=(--subprotocol --subscriber-preamble --publisher-preamble)
    non_repeating_options=(--connections --hold --protocol --hub --format --concurrency --source-addresses --connection-string --connection-string-file --raw-url --publish-prefix --publish-suffix --ca-file --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--connections')
        return
        ;;
    '--hold')
        return
        ;;
    '--protocol')
        __pubsub_add_completions -W 'json'$'\n''reliable'$'\n''simple'
        return
        ;;
    '--hub')
        return
        ;;
    '--format')
        __pubsub_add_completions -W 'table'$'\n''json'
        return
        ;;
    '--concurrency')
        return
        ;;
    '--source-addresses')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--raw-url')
        return
        ;;
    '--subprotocol')
        return
        ;;
    '--subscriber-preamble')
        return
        ;;
    '--publisher-preamble')
        return
        ;;
    '--publish-prefix')
        return
        ;;
    '--publish-suffix')
        return
        ;;
    '--ca-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_token() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    mint|decode)
        # Offer subcommand argument completions
        "_pubsub_token_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'mint decode' -- "${cur}"))
        ;;
    esac
}

_pubsub_token_mint() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--quiet -q --version -h --help)
    repeating_options=(--role --group)
    non_repeating_options=(--hub --connection-string --connection-string-file --user --expires --client-protocol --output --log-level)
    __pubsub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--user')
        return
        ;;
    '--role')
        return
        ;;
    '--group')
        return
        ;;
    '--expires')
        return
        ;;
    '--client-protocol')
        __pubsub_add_completions -W 'default'$'\n''mqtt'$'\n''socketio'
        return
        ;;
    '--output')
        __pubsub_add_completions -W 'url'$'\n''token'$'\n''json'
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_token_decode() {
    repeating_flags=(--verbose -v)
    non_repeating_flags=(--verify --quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--hub --audience --output --connection-string --connection-string-file --log-level)
    __pubsub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--hub')
        return
        ;;
    '--audience')
        return
        ;;
    '--output')
        __pubsub_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--connection-string')
        return
        ;;
    '--connection-string-file')
        __pubsub_add_completions -f
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_pubsub_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __pubsub_offer_flags_options -1
}

complete -o filenames -F _pubsub pubsub
