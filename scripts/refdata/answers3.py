from answers2 import A, F

A["p036"] = "{\n  \"name\": \"careful-connect4\",\n  \"model\": \"llama-3.1-8b-instruct\",\n  \"temperature\": 0.2,\n  \"tools\": [\"board_analyser\", \"move_validator\", \"opening_book\"]\n}"
F["p036"] = [["llama|gpt|mistral|qwen|claude|gemma|phi|model-|instruct"], ["0.|low"], ["search|validat|board|calculat|lookup|book|analys|web|code|retriev|solver|python"]]

A["p037"] = "{\n  \"person\": \"Maria\",\n  \"action\": \"repaired\",\n  \"object\": \"the old bicycle\",\n  \"time\": \"Sunday morning\"\n}"
F["p037"] = [["maria"], ["repair"], ["bicycle|bike"], ["sunday"]]

A["p038"] = "{\n  \"question\": \"Which feature of Jupiter is a giant storm that has raged for centuries?\",\n  \"options\": [\"The Great Red Spot\", \"Olympus Mons\", \"The Cassini Division\", \"The Kuiper Belt\"],\n  \"answer\": \"The Great Red Spot\"\n}"
F["p038"] = [["jupiter", "storm|moon|largest|gas|planet|red spot|ring"], ["red spot|ganymede|io|europa|callisto|hydrogen|gas giant|largest"], ["mars|saturn|olympus|cassini|kuiper|venus|mercury|titan|neptune|earth"]]

A["p039"] = "{\n  \"sql_strengths\": [\"ACID transactions\", \"A fixed schema that enforces data integrity\", \"Powerful joins and ad hoc queries\", \"Mature tooling and widespread expertise\"],\n  \"nosql_strengths\": [\"Flexible or schemaless documents\", \"Horizontal scaling across many nodes\", \"Very high write throughput\", \"Natural fit for key-value, document or graph data\"],\n  \"choose_sql_when\": [\"Data is relational with many joins\", \"You need strong consistency and multi-row transactions\", \"Reporting needs flexible queries over structured data\"]\n}"
F["p039"] = [["acid|transaction"], ["schema", "fixed|strict|integrity|enforc"], ["join|quer"], ["flexib|schemaless|schema-less|document"], ["horizontal|scal|shard|distribut"], ["consisten|relational|report|integrity"]]

A["p040"] = "Quiet shelves, loud minds: read the books, then deliver checkmate."
F["p040"] = [["book|read|librar|shel|quiet|page|study"], ["checkmate"]]

A["p041"] = "No backup, no mercy: we restore what others lose."
F["p041"] = [["backup"], ["restore|recover|lose|lost|data|sleep|safe|test"]]

A["p042"] = "Latency is the waiting time between asking a system for something and the answer arriving."
F["p042"] = [["latency", "time|wait|how long|lag|pause|seconds"], ["request|ask|click|action|send", "respon|answer|arriv|happen|result|reply"]]

A["p043"] = "File too large: uploads are limited to 25 megabytes. Please choose a smaller file."
F["p043"] = [["large|big|exceed|over", "file|upload"], ["limit|maximum|max|up to", "megabytes|mb"], ["smaller|compress|reduce|choose|try"]]

A["p044"] = "The bug you hunt tonight hides in the line you trusted most!"
F["p044"] = [["bug|error|fault|crash|fix|debug"], ["hide|find|trust|line|log|patience|tonight|soon|rubber duck|print"]]

A["p045"] = "Breaking Up the Monolith: What We Learned Moving to Services"
F["p045"] = [["monolith"], ["service|microservice|split|break|carv|decompos"]]

A["p046"] = "You will be paid once the agreed work is finished to a satisfactory standard."
F["p046"] = [["paid|pay|payment|money|fee"], ["after|once|when|upon", "work|job|deliverable|finish|complet|done"]]

A["p047"] = "Pick a small issue labelled good first issue, and comment before you start coding."
F["p047"] = [["issue", "small|first|beginner|good|label|pick|choose|read"], ["ask|comment|read|guide|maintainer|contributing|start|discuss"]]

A["p048"] = "1. Heat water to about 94 °C, just off the boil.\n2. Grind 15 g of beans to a medium-fine grind, like coarse sand.\n3. Rinse the paper filter with hot water and discard that water.\n4. Add the coffee, pour about 30 g of water and let it bloom for 30 seconds.\n5. Pour the rest slowly in circles until you reach 250 g.\n6. Let it drain completely, about three minutes in total, then serve."
F["p048"] = [["heat|boil|kettle", "water"], ["grind", "medium|fine|coarse|sand|bean"], ["rinse|wet", "filter|paper"], ["bloom", "second|release|gas|co2|wait"], ["pour", "slow|circle|spiral|rest|gradual"], ["drain|drip|serve|minutes"]]

A["p049"] = "First, find the router. It is the box with blinking lights. Leave it plugged in and switched on. Look on the back for a tiny hole. It is labelled Reset. That is the reset button. Take a paperclip and unbend one end. Push it gently into the hole. Hold it down for about ten seconds. The lights will flash and go off. Let go and wait a few minutes. The router will start up again. The Wi-Fi name and password are now the ones on its sticker."
F["p049"] = [["plug|switch|power|on"], ["back|hole|small|tiny|label"], ["paperclip|pin|pen|needle"], ["hold|press|push", "second|10|ten|thirty|30"], ["light|flash|blink|restart|start up|reboot|wait"], ["sticker|label|default|password|name"]]

A["p050"] = "1. Install the Go version named in go.mod, and check it with `go version`.\n2. Clone the repository and run `go mod download` to fetch the dependencies.\n3. Run `go test ./...` from the repository root to test every package.\n4. Add the race detector with `go test -race ./...` to catch data races in concurrent code.\n5. Re-run a single failing test with `go test -run TestName -v ./pkg` to read its output."
F["p050"] = [["install", "go"], ["clone|checkout|download|fetch"], ["./...|root|all|every", "package|test"], ["race", "detect|data|concurren|catch"], ["-run|single|one|failing|verbose|-v"]]

A["p051"] = "- Turn off the heat under the pan, if you can reach the knob safely.\n- Slide a metal lid or baking sheet over the pan to smother the flames.\n- Never pour water on burning oil, and do not carry the pan outside.\n- Leave the lid on for several minutes; if the fire spreads, get everyone out and call the fire brigade."
F["p051"] = [["turn off|switch off", "heat|burner|hob|stove|gas"], ["lid|sheet|cover", "smother|starv|oxygen|cover|over"], ["water", "never|don't|do not|not"], ["carry|move|lift", "pan|outside|not|never"], ["out|leave|evacuat", "call|brigade|911|999|112|emergency"]]

A["p052"] = "1. Cross the two laces into an X, tuck one under and pull tight.\n2. Fold one lace into a loop, like a bunny ear, and hold it.\n3. Wrap the other lace around the loop and push it through the gap to make a second loop.\n4. Hold both loops and pull them apart firmly to tighten the bow."
F["p052"] = [["cross|x", "lace|tuck|under|knot"], ["loop|bunny|ear", "fold|make|form"], ["wrap|around", "lace|loop|other"], ["push|poke|through|gap|hole"], ["pull|tight", "both|apart|bow"]]

A["p053"] = "Start by creating an agent in the arena's web page and copying the API key it shows you once. Your program then opens a websocket to the arena and sends that key in the first message to authenticate. After that, the server pushes game updates as messages. When it is your turn, the message includes the current board or prompt; reply with your move as JSON before the clock runs out. Invalid moves are rejected, so read the game's rules in the protocol documentation first. Keep the connection open and answer pings, and the arena will pair you into contests."
F["p053"] = [["creat|register|sign up", "agent|account"], ["api key", "send|auth|header|first|copy|secret"], ["websocket", "open|connect"], ["turn", "board|state|view|message|prompt"], ["move", "reply|send|json|respond"], ["invalid|reject|rule|time|clock|deadline|ping|open"]]

A["p054"] = "TCP guarantees reliability and order: every packet arrives, retransmitted if lost, and in sequence. The cost is latency, because one lost packet holds up everything behind it while TCP waits. UDP sends datagrams with no such promises, so a late position update is simply skipped rather than blocking newer ones. Fast games usually send player movement over UDP, adding their own light reliability for events that must arrive, such as chat or a purchase, and fall back to TCP where ordering matters more than speed."
F["p054"] = [["tcp", "reliab|order|guarantee|retransmi|arriv"], ["lost|loss|drop", "wait|hold|block|stall|head-of-line"], ["udp", "no|without|datagram|skip|drop|fire"], ["position|movement|state|update", "udp|skip|newer|late|stale"], ["chat|purchase|event|important|critical", "reliab|must|tcp"]]

A["p055"] = "- Space: a cat is content in a small flat with shelves to climb, while most dogs need room and daily walks outside.\n- Noise: cats are mostly quiet, whereas a barking dog can disturb neighbours through thin walls.\n- Time alone: cats cope with a full working day alone; dogs often suffer without company.\n- Outdoor needs: a dog needs several trips outdoors a day, a cat uses a litter tray indoors.\n- Bonding: dogs are more eager to train and join you outdoors, which suits owners with time to give."
F["p055"] = [["cat", "small|climb|shelf|shelves|content|vertical"], ["dog", "walk|room|exercise|outside"], ["bark|neighbo|quiet|meow", "dog|cat|wall"], ["alone|lonely|company|working day|hours"], ["litter|tray|indoor|toilet"], ["train|loyal|affection|bond|companion|eager"]]

A["p056"] = "Both systems rate players from pairwise results, assuming that a rating gap predicts the chance of winning. Elo updates incrementally: after each game, ratings move by a fixed factor times the surprise, so recent games count most and the final numbers depend on game order. Bradley-Terry fits all results at once by maximum likelihood, giving order-independent strengths and confidence intervals. Elo suits live leaderboards; Bradley-Terry suits a fixed batch of comparisons."
F["p056"] = [["gap|differen", "probab|chance|predict|win"], ["elo", "update|increment|after each|online"], ["order|sequence|recent", "depend|matter|count"], ["maximum likelihood|fit", "all|batch|at once|whole"], ["confidence|interval|uncertain|standard error|independent"], ["live|online|running|batch|fixed"]]

A["p057"] = "Reading a book demands full attention but lets you set the pace, reread a tricky line and notice the prose closely. An audiobook frees your eyes and hands, so a commute, a walk or the washing-up becomes reading time, and a good narrator adds tone. Listeners tend to drift and retain a little less, so dense nonfiction often suits paper, while stories travel well by ear."
F["p057"] = [["attention|focus|concentrat"], ["pace|reread|re-read|skim|back"], ["audiobook|listen", "hands|eyes|while|commute|walk|drive"], ["narrator|voice|performance|tone"], ["retain|remember|drift|comprehension|absorb"], ["nonfiction|dense|technical|story|stories|novel|fiction"]]

A["p058"] = "1. Running costs: charging at home usually costs much less per mile than petrol, though rapid public chargers narrow the gap.\n2. Maintenance: electric cars have fewer moving parts, no oil changes and less brake wear, so servicing is cheaper.\n3. Range and refuelling: a petrol car fills up in minutes anywhere, while charging takes longer and long trips need planning.\n4. Purchase and emissions: electric cars often cost more to buy but produce no exhaust, and their lifetime emissions are lower."
F["p058"] = [["charging|electricity", "cost|cheap|per mile|home"], ["maintenance|servic", "fewer|moving|oil|brake|cheaper"], ["range|trip|distance|long"], ["fill|refuel|petrol station|minutes"], ["emission|exhaust|pollut|co2|carbon"], ["price|purchase|buy|upfront|cost more"]]

A["p059"] = "Unit tests check one small piece of code in isolation. They replace slow collaborators, like databases, with a mock or fake. That makes them fast, precise and cheap to run on every change. A failing unit test points straight at the broken function. Integration tests run real components together, such as the service and its database. They are slower and harder to debug. They catch wiring, configuration and contract mistakes that mocks hide. Unit tests give quick feedback, but integration tests give confidence that the system works."
F["p059"] = [["unit", "small|isolat|single|one"], ["mock|fake|stub", "replac|database|dependenc|collaborat"], ["fast|quick|cheap"], ["integration", "real|together|components|database"], ["slow|harder|expensive|flaky"], ["wiring|configur|contract|interface|boundar|hide"]]

A["p060"] = "The robot was built to sort parcels, but in the break room it found a blue plastic frame and a bag of red and yellow discs. It dropped a disc into a column and watched gravity pull it to the bottom. At first it played randomly and lost every game to the night guard. Then it began counting: which squares completed four, which moves handed its rival a win. It learned to claim the centre, to build two threats at once, to wait. One night the guard sat back, smiled, and said, \"Go on, finish it,\" and it dropped the last disc."
F["p060"] = [["robot", "built|made|designed|machine|sort"], ["gravity", "pull|fall|drop|bottom|slid"], ["lost|lose|random|mistake|beat"], ["learn|count|practi|study|calculat|figur"], ["centre|center|threat|four|block|diagonal"], ["guard|opponent|rival|human|child|friend"]]

A["p061"] = "Each evening Ada climbed the spiral stairs to light the lantern. One calm morning she found a green bottle wedged between the rocks, its cork sealed with wax. Inside was a note in careful, faded handwriting: \"If you find this, the Mary Ellen made it home.\" She checked the old logbook and found that the ship had been reported lost forty years ago. That night the lantern seemed to burn a little brighter."
F["p061"] = [["keeper|she|he|ada", "lantern|light|lamp|tower|stair"], ["bottle", "found|wash|rock|shore|beach|sand"], ["note|letter|message|paper", "inside|read|written|handwrit"], ["ship|sailor|boat|crew|home|lost|years"], ["brighter|smile|tear|reply|wrote back|answer|that night"]]

A["p062"] = "For three hundred rounds, Vega and Orrin fought over the top of the arena's leaderboard. Each new strategy Vega found, Orrin copied within an hour; each trap Orrin set, Vega learned to sidestep. Their scores climbed together while every other agent fell behind. Then the arena introduced a team event: two agents against a puzzle neither could finish alone. The organisers paired the rivals, expecting sparks. Instead, in the first message, Orrin proposed a protocol handshake so they could share partial solutions without confusion. Vega accepted. Vega mapped the maze while Orrin solved its locks, and each checked the other's work. They finished the puzzle in record time, well ahead of every other pair. Back in the solo matches, the two still competed hard, but now, after each game, they exchanged notes on what had gone wrong."
F["p062"] = [["rival|compet|fought|battle|against", "agent|round|match|score"], ["copy|copied|learn|adapt|counter|trap|strateg"], ["team|pair|together|joint|alliance|cooperat", "event|puzzle|task|challenge|problem"], ["share|exchange|split|divide|combin", "solution|work|notes|information|data"], ["record|finish|won|win|solved|ahead|first"]]

A["p063"] = "The night train rattled north. Clara checked her ticket twice. Seat 14 was empty. Its owner had boarded at Leeds. She had seen him. At midnight the lights flickered. A long whistle sounded from the engine. When the lights returned, his coat was gone. His ticket lay on the seat, punched for a station that closed in 1962. The guard swore nobody had left the carriage. So who had been sitting beside her all evening?"
F["p063"] = [["train|carriage|rail|station|compartment"], ["ticket", "seat|punch|check|lost|stamp|found"], ["whistle", "sound|blew|shriek|blast|heard|pierc"], ["gone|vanish|missing|disappear|empty"], ["guard|conductor|passenger|stranger|nobody|no one"], ["who|where|why|what"]]

A["p064"] = "Tortoise was always getting lost, so Owl gave him an old map. At first the lines meant nothing. He turned the map upside down and sideways and walked into a pond. Each evening he studied one small corner, matching the drawn hills and streams to the real ones he passed. Weeks went by. Slowly the symbols made sense: the blue ribbon was the river, the tiny trees the wood. By autumn he could lead the other animals to the orchard by the shortest path. The moral: patience turns confusion into knowledge, one small corner at a time."
F["p064"] = [["tortoise", "lost|wander|map"], ["map", "upside|confus|meant nothing|strange|couldn't|could not"], ["study|studied|practi|learn|each evening|every day|day by day", "small|corner|bit|slowly|symbol|little"], ["river|hill|stream|tree|symbol|path|landmark"], ["lead|guide|found|reach|showed|helped", "animal|friend|other|way|home|orchard"], ["moral|lesson", "patience|slow|steady|practice|time"]]

A["p065"] = "She buried the key under the oak as a child, forgot it for forty years, then dug it up and finally opened her father's desk."
F["p065"] = [["key"], ["bur|hid|found|lost|forgot|dropp"], ["open|unlock|door|box|desk|chest|lock"]]

A["p066"] = "I have lived on the kitchen windowsill for three years, and I know this family by their mornings. The father waters me too much on Mondays and forgets me on Fridays. The girl talks to me while she eats cereal, telling me about spelling tests. Every day I turn, slowly, towards the window, because sunlight is the only food I can reach. Last week they moved me to a bright corner of the living room, and I sulked, drooping to show them their mistake. The girl noticed. She carried me back, set me in the warm square of glass, and said she was sorry. I stretched a new shoot that afternoon. Plants cannot speak, so we answer in growth."
F["p066"] = [["windowsill|sill|pot|kitchen|shelf", "live|lived|sit|stand|grow"], ["water", "too much|forget|monday|friday|every|once"], ["turn|lean|reach|stretch|grow", "window|light|sun"], ["moved|carried|repot|placed|set", "corner|room|back|shelf"], ["droop|wilt|sulk|brown|sad|thirst"], ["family|girl|boy|woman|man|father|mother|owner|child"]]

A["p067"] = "High above the hills lived a little cloud named Puff. The other clouds floated wherever the wind carried them, but Puff clung to the tallest mountain and never looked down. One night a sleepy owl flew up beside her. \"Why do you hold on so tight?\" asked the owl. \"Because the ground is so far away,\" whispered Puff. The owl smiled. \"Clouds are made to float. The wind will always hold you.\" So Puff let go, very gently, and drifted across the moonlit sky, light as a feather. Goodnight."
F["p067"] = [["cloud", "afraid|scared|fear|frighten|clung|hold on|worri"], ["down|ground|below|high|far", "look|far|away|mountain"], ["owl|bird|moon|star|wind|friend|mother"], ["float|drift|let go|soar|wind", "gentle|hold|carry|safe|light"], ["sleep|night|dream|moon|bed|cosy|cozy"]]

A["p068"] = "Before you change any code, write a test that reproduces the bug and watch it fail. That failure proves you understand the problem and that the test can detect it; a test written after the fix might pass for the wrong reason. Once the fix lands, the same test turns green, which shows the change works. It then stays in the suite as a regression guard, so if someone reintroduces the bug next year, CI catches it in minutes instead of a customer finding it."
F["p068"] = [["reproduc|demonstrat|captur|show", "bug|problem|failure"], ["fail|red", "first|before|watch|prove"], ["wrong reason|pass|might not|after the fix|false"], ["green|pass", "fix|work|after|once"], ["regression", "suite|guard|prevent|catch|future|again|back"], ["ci|next year|later|future|again|reintroduc"]]

A["p069"] = "Dear Sam,\n\nThank you for inviting me to the planning meeting on Thursday. Unfortunately I have a customer workshop at the same time and will not be able to attend. I have read the agenda and added my notes on the budget item to the shared document, so my input is there for the discussion. If a decision needs my sign-off, I am happy to review the minutes on Friday or join a short call early next week.\n\nBest regards,\nAlex\n\nThanks for understanding."
F["p069"] = [["thank|appreciat", "invit|invitation"], ["unable|not be able|can't|cannot|won't|decline|conflict|clash"], ["workshop|meeting|commitment|appointment|conflict|clash|away|leave"], ["agenda", "read|notes|comment|input|review|document"], ["minutes|call|catch up|follow up|next week|friday|update|summary"], ["regards|best|sincerely|cheers|dear|hi"]]

A["p070"] = "Code review costs an hour today but saves days later. A second reader catches defects while the author still remembers the change, when fixing them takes minutes; the same bug found in production means an incident, a rollback and a debugging session. Reviews also spread knowledge, so fewer tasks stall when one person is away, and they keep the codebase consistent, which makes every later change faster to write and to review."
F["p070"] = [["defects|bug", "catch|find|early|before"], ["production|later|incident|customer|release", "expens|cost|days|hours|longer|rollback"], ["knowledge|share|spread|learn|familiar", "team|person|away|others"], ["consistent|standard|readable|maintain|quality"], ["faster|quicker|saves|less time|minutes"], ["hour|minutes|small|cheap|cost"]]
