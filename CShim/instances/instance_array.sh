# Sourced by CShim/instances/generate.sh and CShim/mutants/generate.sh.
# instance_array <array> <id>...: the declarations of the instances and the C array of them, with
# its length as hr_nr_<array without its hr_ prefix>.
instance_array() {
	arr=$1
	shift
	for id in "$@"; do echo "extern const struct hr_instance hr_${id}_instance;"; done
	echo
	echo "const struct hr_instance *const $arr[] = {"
	for id in "$@"; do echo "	&hr_${id}_instance,"; done
	echo "};"
	echo "const int hr_nr_${arr#hr_} = sizeof($arr) / sizeof($arr[0]);"
}
