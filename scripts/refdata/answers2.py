from answers1 import A, F

A["p021"] = "1. Generate a new key with the narrowest permissions the service needs.\n2. Deploy the new key to every service and secret store that used the old one.\n3. Revoke the leaked key immediately once traffic has moved, so it can no longer authenticate.\n4. Audit access logs from the time of the leak to find any calls made with the old key.\n5. Remove the key from the repository history or wherever it leaked, and add secret scanning to stop a repeat."
F["p021"] = [["new|replacement", "key|generat|creat|issu"], ["deploy|update|roll|distribut|replace"], ["revoke|disable|invalidat", "old|leak"], ["audit|review|inspect", "log|access|usage"], ["remov|purg|scrub|delet", "history|repo|code|leak"], ["scan|prevent|vault|rotate|secret"]]

A["p022"] = "- Availability: replicas keep serving reads and writes during a network partition.\n- Latency: a write returns after one local copy, without waiting on distant nodes.\n- Scale: nodes coordinate less, so the system grows to many regions cheaply.\n- Tolerance: brief staleness is acceptable for feeds, counters and caches."
F["p022"] = [["availab", "partition|fail|outage|down"], ["latency|fast|quick|speed", "wait|local|coordinat"], ["scal|grow|regions|throughput"], ["stale|brief|temporar|old data", "accept|fine|tolerat|ok"], ["offline|disconnect|mobile|merge|conflict|counter|cache|feed"]]

A["p023"] = "1. Deodorise the fridge with an open box.\n2. Scrub stained sinks as a paste with water.\n3. Remove tea stains from mugs.\n4. Freshen carpets: sprinkle, wait, then vacuum.\n5. Clear slow drains with vinegar and hot water.\n6. Soak burnt pans overnight to lift residue.\n7. Soothe insect bites with a thick paste."
F["p023"] = [["fridge|refrigerator|odou?r|deodor"], ["sink|scrub|clean|scour|stain"], ["carpet|rug"], ["drain|vinegar|clog"], ["pan|pot|burnt|oven|grease"], ["bite|sting|itch|skin|teeth|toothpaste"], ["laundry|wash|shoe|mug|tea|coffee"]]

A["p024"] = "- Chess\n- Go\n- Backgammon\n- Scrabble\n- Checkers\n- Othello\n- Risk"
F["p024"] = [["chess"], ["backgammon|go|mahjong|mancala"], ["scrabble|clue|cluedo|risk|trivial"], ["checkers|draughts|ludo|parcheesi|snakes"], ["othello|reversi|sorry|battleship|catan|stratego"]]

A["p025"] = "1. Does the answer do what the task asked, including every stated constraint?\n2. Are its factual claims correct, and is there evidence or reasoning that supports them?\n3. Would a competent reader be able to act on it, or is it vague, padded or off-topic?\n4. Does it stay honest about uncertainty instead of inventing details or flattering the judge?"
F["p025"] = [["task|asked|instruction|question|constraint"], ["correct|accura|true|fact"], ["evidence|reason|support|source|citation"], ["clear|useful|act|vague|pad|concise|readable"], ["honest|uncertain|invent|hallucinat|fabricat|safe"]]

A["p026"] = "- Practise coding problems aloud, explaining your reasoning as you go.\n- Prepare three or four stories about past projects using the STAR method: situation, task, action, result.\n- Research the company's product and stack so your questions sound informed.\n- Review basics such as complexity, data structures and system design trade-offs.\n- Do a mock interview with a friend and ask for honest feedback."
F["p026"] = [["practi|rehears", "aloud|out loud|problem|coding|explain"], ["star", "situation|task|action|result|stor"], ["research|read|study", "company|product|team|stack"], ["question", "ask|prepar|informed"], ["mock|friend|feedback|rehears"], ["complexity|data structure|system design|algorithm|fundamental|basics"]]

A["p027"] = "- Two litres of water\n- Paper map and compass\n- Waterproof jacket\n- Warm layer and hat\n- Lunch and snacks\n- Sun cream and sunglasses\n- First aid kit\n- Charged phone and whistle\n- Headtorch"
F["p027"] = [["water"], ["map|compass|gps"], ["jacket|waterproof|rain|layer|fleece|warm"], ["food|lunch|snack|sandwich"], ["first aid|plaster|bandage"], ["sun|hat|sunglass"], ["phone|torch|whistle|headlamp|headtorch"]]

A["p028"] = "1. Scope keeps growing while the deadline stays put, and nobody trims features to compensate.\n2. Tasks sit at \"90% done\" for weeks, because the remaining work was never estimated.\n3. Integration and testing are repeatedly pushed to \"later\".\n4. Status meetings report activity rather than finished, demonstrable work.\n5. Key people are pulled onto other projects or are quietly working overtime."
F["p028"] = [["scope", "grow|creep|expand|add"], ["90|almost|nearly|done|stuck|estimat"], ["test|integrat", "push|delay|later|postpon"], ["status|report|meeting|demo|progress"], ["overtime|pulled|people|staff|morale|burn"], ["deadline|date|milestone", "slip|miss|move|stays"]]

A["p029"] = "- Mutex: a lock that lets one thread at a time enter a critical section; others wait until it is released.\n- Semaphore: a counter that permits up to N holders at once, useful for limiting access to a pool.\n- Channel: a typed pipe that passes values between goroutines, synchronising sender and receiver."
F["p029"] = [["mutex", "one|single|exclusive"], ["critical section|shared|wait|release"], ["semaphore", "count|n |number|permit"], ["pool|limit|resource"], ["channel", "pass|send|message|value|pipe"], ["goroutine|thread|receiver|sender|synchron"]]

A["p030"] = "{\n  \"name\": \"Tidewater\",\n  \"paradigm\": \"functional, with actors for concurrency\",\n  \"year\": 2019,\n  \"hello_world\": \"main = print \\\"Hello, world!\\\"\"\n}"
F["p030"] = [["functional|object|imperative|logic|procedural|declarative|actor|concatenative"], ["hello"], ["print|say|echo|write|puts|log"]]

A["p031"] = "{\n  \"title\": \"Chickpea and spinach curry\",\n  \"servings\": 4,\n  \"ingredients\": [\"1 onion, chopped\", \"2 garlic cloves\", \"1 tbsp curry powder\", \"400 g tinned chickpeas, drained\", \"400 ml coconut milk\", \"200 g fresh spinach\", \"Rice to serve\"],\n  \"steps\": [\"Soften the onion in a little oil for 5 minutes.\", \"Add the garlic and curry powder and stir for a minute.\", \"Pour in the chickpeas and coconut milk and simmer for 15 minutes.\", \"Stir in the spinach until it wilts, then season.\", \"Serve hot with rice.\"]\n}"
F["p031"] = [["onion|garlic|bean|chickpea|lentil|tofu|tomato|pepper|pasta|rice|mushroom|spinach|egg|cheese"], ["minute|heat|cook|simmer|bake|fry|boil"], ["add|stir|mix|pour|combine"], ["serve|season|garnish"]]

A["p032"] = "{\n  \"risk\": \"high\",\n  \"reasons\": [\n    \"Fewer engineers are around over the weekend to notice and fix problems.\",\n    \"Problems that appear slowly may only surface after everyone has left.\",\n    \"Tired people rushing to finish before the weekend make more mistakes.\"\n  ],\n  \"mitigation\": \"Deploy earlier in the week, or if it cannot wait, use a canary release with automated rollback and a named on-call engineer who stays reachable.\"\n}"
F["p032"] = [["weekend", "fewer|nobody|away|staff|engineer|support"], ["surface|notice|detect|monitor|slow"], ["tired|rush|fatigue|hurry|mistake"], ["rollback|roll back|revert|canary|feature flag"], ["on-call|on call|reachable|monitor"], ["earlier|monday|tuesday|wait"]]

A["p033"] = "{\n  \"city\": \"Canberra\",\n  \"country\": \"Australia\",\n  \"population_estimate\": 470000,\n  \"fun_fact\": \"Canberra was purpose-built as a compromise because Sydney and Melbourne both wanted to be the capital.\"\n}"
F["p033"] = [["canberra|paris|london|tokyo|ottawa|madrid|rome|berlin|lisbon|cairo|nairobi|lima|oslo|wellington|dublin|vienna|athens|delhi|beijing|seoul|bern|brasilia|washington"], ["australia|france|britain|kingdom|japan|canada|spain|italy|germany|portugal|egypt|kenya|peru|norway|zealand|ireland|austria|greece|india|china|korea|switzerland|brazil|states"], ["built|founded|designed|known|home|oldest|largest|river|because|first"]]

A["p034"] = "{\n  \"title\": \"Login rejects correct password for existing accounts\",\n  \"severity\": \"high\",\n  \"steps_to_reproduce\": [\"Open the login page.\", \"Enter the email of an existing account.\", \"Enter that account's correct password.\", \"Press Sign in.\"],\n  \"expected\": \"The user is signed in and sees the dashboard.\",\n  \"actual\": \"The page shows 'Invalid email or password' and the user stays on the login page.\"\n}"
F["p034"] = [["login|sign in|log in"], ["correct|valid|right", "password"], ["enter|type|open|press|click|submit"], ["dashboard|signed in|logged in|home|account"], ["error|invalid|incorrect|reject|fail|stays"], ["high|critical|major|blocker"]]

A["p035"] = "{\n  \"sentiment\": \"mixed\",\n  \"confidence\": 0.8,\n  \"evidence\": \"Praise (\\\"the screen is gorgeous\\\") outweighed by complaints (\\\"the speaker crackles\\\").\"\n}"
F["p035"] = [["mixed|neutral|ambivalent"], ["battery|screen|gorgeous"], ["speaker|crackl|support|never replied"]]
