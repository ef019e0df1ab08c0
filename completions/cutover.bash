# bash completion for cutover(1).
#
# Commands and options come from the installed binary's own --help, so they
# never drift from it; check ids and phase names come from
# `cutover lint --list` on the plan named on the command line (else
# plan.yml, else the one .yml file in the current directory).

_cutover_plan()
{
	local w
	for w in "${COMP_WORDS[@]:2}"; do
		case $w in
		*.yml|*.yaml) [[ -f $w ]] && { printf '%s' "$w"; return; } ;;
		esac
	done
	[[ -f plan.yml ]] && { printf plan.yml; return; }
	local found=( ./*.yml ./*.yaml )
	found=( $(for f in "${found[@]}"; do [[ -f $f ]] && echo "$f"; done) )
	(( ${#found[@]} == 1 )) && printf '%s' "${found[0]}"
}

_cutover()
{
	local cur prev cmd plan
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if (( COMP_CWORD == 1 )); then
		COMPREPLY=( $(compgen -W "$(cutover --help 2>/dev/null |
		    awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }
		    on && /^$/ { on = 0 }') --help --version" -- "$cur") )
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	--only|--check)
		plan=$(_cutover_plan)
		[[ -n $plan ]] || return
		# --only takes a comma-separated list: complete its last item.
		local pre=${cur%,*} last=${cur##*,}
		[[ $pre == "$cur" ]] && pre="" || pre="$pre,"
		COMPREPLY=( $(compgen -P "$pre" -W "$(cutover lint --list checks \
		    "$plan" 2>/dev/null)" -- "$last") )
		compopt -o nospace 2>/dev/null
		return ;;
	-p|--phase|--from)
		plan=$(_cutover_plan)
		[[ -n $plan ]] || return
		COMPREPLY=( $(compgen -W "$(cutover lint --list phases \
		    "$plan" 2>/dev/null)" -- "$cur") )
		return ;;
	-f|--format)
		COMPREPLY=( $(compgen -W "$(cutover "$cmd" --help 2>/dev/null |
		    sed -n 's/.*--format[^ ]* *[A-Z]* *\(.*\)/\1/p' | head -n1 |
		    tr -c 'a-z0-9\n' ' ' | sed 's/default//')" -- "$cur") )
		return ;;
	--list)
		COMPREPLY=( $(compgen -W "checks phases risks" -- "$cur") )
		return ;;
	-o|--output|--state|--repair-sql|--vars-file)
		COMPREPLY=( $(compgen -f -- "$cur") )
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=( $(compgen -W "$(cutover "$cmd" --help 2>/dev/null |
		    grep -o -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur") )
		return
	fi
	COMPREPLY=( $(compgen -f -X '!*.@(yml|yaml)' -- "$cur") )
	compopt -o plusdirs 2>/dev/null
}
complete -F _cutover cutover
