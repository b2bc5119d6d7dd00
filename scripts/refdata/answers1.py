# Reference answers (txt-careful) and key facts (rubric), p001-p035.
# facts: list of facts; a fact is a list of concept groups ("a|b" = alternatives,
# matched as word prefixes); a fact is covered when all its groups occur in one sentence.
A = {}
F = {}

A["p001"] = "A Raft leader treats an entry as committed only once a quorum, a majority of the cluster, has stored it in their logs. Any two majorities share at least one node, so every future election must win a vote from someone holding that entry. Raft's voting rule refuses candidates whose logs are behind, which means the next leader always carries every committed entry and acknowledged writes survive crashes and partitions."
F["p001"] = [["majorit|quorum", "stor|replicat|written|persist"], ["overlap|share|intersect|common"], ["elect|vote|candidat"], ["behind|up-to-date|stale|outdated|log"], ["crash|partition|fail|surviv|lost|lose"]]

A["p002"] = "A hash function is like a fingerprint machine for data. You give it any message, long or short. It gives back a short code. The same message always gets the same code. Change one letter, and the code looks totally different. You cannot rebuild the message from the code. That makes it handy for checking files. If two codes match, the files are almost surely the same. Computers use this to spot changes and store passwords safely."
F["p002"] = [["same", "same|always"], ["change|differ", "code|output|fingerprint"], ["short|fixed|small"], ["cannot|can't|impossible|no way", "back|rebuild|undo|reverse"], ["check|compar|match|spot|password"]]

A["p003"] = "A vaccine shows the immune system a harmless version of a germ, such as a weakened virus, an inactivated toxin or a single protein made from mRNA instructions. The body reacts as if the threat were real: B cells make antibodies that latch onto it, and T cells learn to destroy infected cells. Afterwards, long-lived memory cells stay on guard. If the real germ ever arrives, they recognise it at once and mount a faster, stronger response before serious illness develops."
F["p003"] = [["harmless|weaken|inactiv|dead|piece|protein|mrna"], ["antibod", "attach|latch|bind|neutral|mark"], ["t cell|killer|destroy|infected"], ["memory", "remember|recogni|guard|long"], ["faster|quick|stronger|rapid", "respon|illness|infection|defen"]]

A["p004"] = "Sunlight contains every colour, but the air does not treat them equally. Nitrogen and oxygen molecules are far smaller than a light wave, and that kind of scattering grows sharply as the wavelength shrinks. Blue light, with its short wavelength, is bounced around the sky many times more than red, so blue reaches our eyes from every direction. Violet scatters even more, yet our eyes are less sensitive to it."
F["p004"] = [["sunlight|white light", "colour|color|mixture"], ["molecul|nitrogen|oxygen|air|gas"], ["short", "wavelength|blue"], ["blue", "scatter|bounce|spread"], ["every direction|all direction|whole sky|all over"], ["violet|purple", "eye|sensitiv"]]

A["p005"] = "An Elo rating is a number that estimates a player's strength from results. Before a game, the rating gap gives each player an expected score between zero and one. After the game, your rating moves by the gap between result and expectation. A stronger opponent gives you a low expected score. Beating them is a big surprise, so you gain many points. Beating a weaker player was already expected, so it earns only a few."
F["p005"] = [["number|rating", "strength|skill"], ["gap|difference", "expect|predict|probab"], ["result|actual|outcome", "expect"], ["stronger|higher", "low|small", "expect"], ["surprise|upset|unexpected|many points|more points"], ["weaker|lower", "few|little|small"]]

A["p006"] = "A deadlock happens when two or more threads each hold a lock and wait forever for a lock another one holds. Thread A owns the accounts lock and wants the log lock, while thread B owns the log lock and wants the accounts lock, so neither can proceed. A reliable prevention is lock ordering: give every lock a fixed rank and make all code acquire locks in ascending order. A cycle of waiting then becomes impossible, because no thread ever waits for a lock ranked below one it already holds."
F["p006"] = [["thread|process|task", "hold|own", "wait"], ["forever|neither|never|stuck|cannot|can't"], ["order|rank", "acquir|take|lock"], ["cycle|circular"], ["fixed|same|global|consistent", "order|rank"]]

A["p007"] = "Simple interest pays a fixed percentage of the original principal every year, so the balance grows by the same amount each time. Compound interest adds each year's interest to the balance, and next year's interest is calculated on that larger sum. Interest therefore earns interest, and the yearly gain itself keeps rising. The result is exponential growth rather than a straight line, and over decades the gap between the two becomes enormous."
F["p007"] = [["simple", "fixed|same|original|constant"], ["add|reinvest|included", "balance|sum|principal"], ["interest earns interest|interest on interest|on that larger|on the new|on a larger"], ["exponential|curve|snowball|accelerat"], ["linear|straight line|steady"], ["decade|many years|long|time", "gap|difference|enormous|large"]]

A["p008"] = "A websocket is a long-lived, two-way connection between a browser and a server. It starts as an ordinary HTTP request with an upgrade handshake, after which the same TCP connection stays open. From then on it is full-duplex: either side can send small messages at any moment. Plain HTTP is request and response, so a server cannot push news unless the client asks or polls, and each request carries headers again."
F["p008"] = [["long-lived|persistent|stays open|open|kept open"], ["upgrade|handshake", "http"], ["either|both|two-way|any moment|at any time"], ["request", "response|reply"], ["push|poll|asks"], ["header|overhead|cheap|small"]]

A["p009"] = "Photosynthesis is how plants make food from light. Chlorophyll in their leaves absorbs sunlight, and the plant uses that energy to combine carbon dioxide from the air with water from the soil. The products are glucose, which stores the energy as sugar, and oxygen, which is released into the air."
F["p009"] = [["chlorophyll", "absorb|captur|light|sun"], ["carbon dioxide", "water"], ["glucose|sugar", "energy|food|store"], ["oxygen", "releas|give|produc|byproduct"], ["leaf|leaves|chloroplast"]]

A["p010"] = "Networks fail in ambiguous ways: a client may send a charge request and lose the connection before the response arrives, never knowing whether the payment went through. The safe move is to retry, but a naive retry could charge the customer twice. An idempotency key is a unique token the client attaches to the request and reuses for every retry. The server stores the key with the first result; if the same key arrives again, it returns the stored result instead of creating a duplicate charge. Retries become harmless, which lets clients recover from timeouts automatically."
F["p010"] = [["timeout|lose|lost|drop|fail", "response|connection|know"], ["twice|double|duplicate", "charg|payment"], ["unique|token|identifier", "client|request"], ["store|record|remember|save", "key|result"], ["same key|again|repeat", "return|stored|original"], ["safe|harmless|automatic"]]

A["p011"] = "Recursion is like a set of nesting dolls. To count them, you open the outer doll and hand the smaller one inside to a friend with the same instruction. The base case is the tiny solid doll that does not open: its holder answers one, and the counts add up on the way back out."
F["p011"] = [["same|itself|repeat", "instruction|rule|task|problem|method"], ["smaller|simpler|shorter|inside"], ["base case", "stop|solid|does not|cannot|tiny|end|last"], ["back|return|add up|combine|answer"]]

A["p012"] = "The centre column touches more possible lines of four than any other column. A disc there can join horizontal, vertical and both diagonal lines. Edge discs can join far fewer lines. Owning the centre gives you more ways to build a threat. It also blocks many of your opponent's lines. Good players start in the middle and keep adding discs there. Most winning threats and diagonal traps grow out of that column."
F["p012"] = [["more|most", "line|four|connect|ways"], ["horizontal|vertical|row", "diagonal"], ["edge|side|corner", "fewer|less"], ["block|deny|stop", "opponent|rival"], ["start|first|early|open"]]

A["p013"] = "A Leeds bakery spent two years switching from commercial yeast to a sourdough starter. The change meant slower rising and 3 a.m. starts, but customers praise the taste and keeping quality, and weekend queues stretch down the street."
F["p013"] = [["leeds|bakery"], ["yeast|starter", "replac|switch|swap"], ["two years|2 years"], ["slow|longer|early|3|three", "rise|rising|start"], ["taste|better|lasted|longer|fresh|keeping"], ["queue|line|popular|demand"]]

A["p014"] = "A 14:02 connection-limit change exhausted database memory, causing failover and four minutes of rejected writes; it was reverted and limits now need review."
F["p014"] = [["config|change|limit|setting"], ["memory|oom"], ["failover|failed over|fail"], ["four minutes|4 minutes", "write|reject"], ["revert|rolled back|undo"], ["review"]]

A["p015"] = "- The deadline: ship the ranking page before the 12 May conference.\n- Priya is responsible for the chart component.\n- Tom finishes API pagination this week; the page depends on it.\n- Friday brings the design review.\n- Dark mode is cut from this release."
F["p015"] = [["12 may|conference", "ranking|ship"], ["priya", "chart"], ["tom", "pagination"], ["friday", "review"], ["dark mode", "drop|cut|removed|not"]]

A["p016"] = "A girl is sent through the woods with a basket for her grandmother. A wolf learns where she is going, hurries ahead, swallows the old woman and waits in her bed wearing her clothes. The girl remarks on its big eyes and teeth before it pounces, until a passing woodcutter rescues them both."
F["p016"] = [["girl|child|daughter|boy|young"], ["wood|forest|castle|palace|tower|ball"], ["wolf|witch|stepmother|giant|dragon|bear|curse|spell"], ["rescue|save|escape|marr|wake|woke|happily|return"], ["grandmother|basket|shoe|slipper|apple|spindle|hair|house|beans"]]

A["p017"] = "Researchers followed 412 adults for six weeks, using wrist sensors to track how long they slept and how quickly they reacted the next day. That is a reasonable sample size for this kind of study. Each extra hour of sleep went with reactions about 18 milliseconds faster, even after accounting for age and caffeine. People who usually slept less than six hours showed the biggest benefit."
F["p017"] = [["412|adults", "six weeks|6 weeks|weeks"], ["wrist|sensor|track|measur"], ["hour", "18|faster|quicker"], ["age|caffeine", "account|control|adjust|even after"], ["under six|less than six|short sleep|six hours|fewest", "larg|big|most|strong"]]

A["p018"] = "{\n  \"version\": \"3.2.0\",\n  \"breaking\": [\n    \"Config field renamed from 'timeout' to 'timeout_ms'.\",\n    \"Support for Node 16 dropped.\"\n  ],\n  \"highlights\": [\n    \"Streaming responses.\",\n    \"New retry helper.\",\n    \"Brotli compression.\",\n    \"Connection-pool memory leak fixed.\"\n  ]\n}"
F["p018"] = [["3.2.0"], ["timeout_ms|timeout", "renam"], ["node 16|node", "support|drop|removed"], ["stream"], ["retry"], ["brotli|compression"], ["memory leak|leak"]]

A["p019"] = "A boastful hare naps mid-race, and the slow but steady tortoise plods past him to win, showing that persistence beats overconfident speed."
F["p019"] = [["hare", "nap|sleep|rest|boast|overconfident"], ["tortoise", "win|won|finish|beat"], ["slow|steady|persist|persever"], ["race"]]

A["p020"] = "- Write the subject line in the imperative mood, such as \"Fix login timeout\", as if giving an order.\n- Keep the subject under about 50 characters and skip the trailing full stop.\n- Leave a blank line between the subject and the body.\n- Use the body to explain why the change was needed, not only what changed.\n- Make each commit one logical change, and reference the issue or ticket it addresses."
F["p020"] = [["imperative|command|order"], ["subject|summary|title", "short|50|under|characters|line"], ["blank line|empty line", "body|subject"], ["why|reason|motivation|context"], ["one|single|small|atomic|logical", "change|commit"], ["issue|ticket|reference|link"]]
