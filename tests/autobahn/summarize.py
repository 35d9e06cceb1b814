# Turns Autobahn's index.json into one line per case, in case order:
#   CASE BEHAVIOR BEHAVIOR_CLOSE REMOTE_CLOSE_CODE
# with spaces in Autobahn's labels replaced by "_" ("WRONG CODE" -> "WRONG_CODE").
# Python 2.7 (it runs in the autobahntestsuite virtualenv).
import json
import sys


def case_key(case):
    return [int(part) for part in case.split(".")]


with open(sys.argv[1]) as f:
    index = json.load(f)
for agent in sorted(index):
    cases = index[agent]
    for case in sorted(cases, key=case_key):
        result = cases[case]
        fields = [case, result["behavior"], result["behaviorClose"], str(result.get("remoteCloseCode"))]
        print(" ".join(field.replace(" ", "_") for field in fields))
