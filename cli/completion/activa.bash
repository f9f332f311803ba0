# bash completion for activa. The candidates (commands, their options, function
# names, option values) come from activa itself, `activa completion words --
# WORDS...`, so they follow the activa being completed.
# Installed as share/bash-completion/completions/activa; or, for this shell only:
#   source <(activa completion bash)
_activa() {
  local cur=${COMP_WORDS[COMP_CWORD]} words
  words=$("${COMP_WORDS[0]}" completion words -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null) || return 0
  case $words in
    __files__) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    __dirs__) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    *) mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur") ;;
  esac
}
complete -F _activa activa
