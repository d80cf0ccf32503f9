"""A fake vendor-DLL helper for the tests: answers {"cmd": "read"} lines with the card in argv[1],
"hang" never answers, "fail" answers an error."""

import json
import sys

mode = sys.argv[1]
for line in sys.stdin:
    request = json.loads(line)
    if request.get("cmd") != "read":
        continue
    if mode == "hang":
        continue
    if mode == "fail":
        print(json.dumps({"ok": False, "error": "未放卡"}, ensure_ascii=False), flush=True)
    else:
        print(json.dumps({"ok": True, "record": json.loads(mode)}, ensure_ascii=False), flush=True)
