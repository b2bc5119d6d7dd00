# Writes agents/bots/answers.json and judges/keyfacts.json from the
# reference answers and key facts in answers*.py, keyed by prompt id and
# pinned to the SHA-256 of the prompt text (a changed prompt drops both).
import hashlib, json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from answers3 import A, F
root = os.path.join(os.path.dirname(__file__), '..', '..')
prompts = json.load(open(os.path.join(root, 'games/prompt/prompts.json')))
ans, facts = [], []
for p in prompts:
    h = hashlib.sha256(p['text'].encode()).hexdigest()
    ans.append({'id': p['id'], 'prompt_sha256': h, 'answer': A[p['id']]})
    facts.append({'id': p['id'], 'prompt_sha256': h, 'facts': F[p['id']]})
def dump(path, v):
    with open(os.path.join(root, path), 'w') as f:
        f.write('[\n' + ',\n'.join(json.dumps(x, ensure_ascii=False) for x in v) + '\n]\n')
dump('agents/bots/answers.json', ans)
dump('judges/keyfacts.json', facts)
