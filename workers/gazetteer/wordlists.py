"""Reviewed word lists the matcher uses to tell a place name from the same word used otherwise.

Every list is written out by hand and reviewed: it says something general about Arabic or
English news text (what a title before a name means, which common Arabic words are also names
of places), never about one article. Candidates for the Arabic lists were found by ranking the
gazetteer's one-word Arabic keys by their frequency in general Arabic text (the wordfreq
package's lists, not shipped here) and keeping, by hand, those whose everyday sense is far more
common in news than the place.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Common Arabic nouns, adjectives, verbs and particles that are also the (one-word) name of some
#: place, written as news writes them. A one-word match of one of these is a place only right
#: after a word that announces a place (see ``ARABIC_PLACE_CUES``): مدينة مشهد, في مالي.
#: Examples: سيول floods (Seoul), مالي financial (Mali), مشهد scene (Mashhad), ألم pain (Ulm),
#: هام important (Hamm), الداخلية the interior (Oman's Ad Dakhiliyah), بليز please (Belize).
ARABIC_COMMON_WORDS = _words(
    """
    سيول السيول مالي المالي مشهد ألم الم هام الهام الداخلية داخلية جميل الجميل جميلة بسيط البسيط
    يشير عنك الحد ميل الميل القائم قائم البيض بيضاء البيضاء الصف صف الطرف الزعيم زعيم الخضراء خضراء
    الحمام حمام الطبقة طبقة الخبراء حديثة الحديثة حجة الحجة زاوية الخمس خمس الشاطئ شاطئ معسكر
    المعسكر سحر الطيبة طيبة بحيرة البحيرة عصابة العصابة طراز الفحص ينقل الفحم العبور الحزم العمارة
    عمارة القبة قبة هندية الهندية عشاق بحري البحري الحراك حراك الكردي القصور قصور الطور طور فرعون
    الشروق شروق النعمة نعمة قارة القارة سحاب الغازية بركان البركان الخارجة السويدية الوقف وقف لوم
    الصافي صافي طريف خالص تاني مساكن المساكن قبلي الجرف المذنب مذنب تربة التربة دخيل ربك انتبه جوهر
    الجوهر بليز كانو ظاهرة الظاهرة المطرية مطرية أمان الأمان امان ظروف الأمل بشري البشري
    فارس الفارس ماو مان سار باي تور فورت بيتش بالا كالي نارا هيو سعيدة السعيدة الشرقية الغربية
    الشمالية الجنوبية الوسطى الساحلية العربية الإسلامية الوطنية الدولية الكبرى الصغرى العليا السفلى
    المركز مركز المحطة محطة السوق سوق القرى قرى الجسر جسر الشارع شارع الميناء ميناء المطار مطار
    العيون عيون الحرية النصر الفتح الوحدة السلام الأمانة الأمانه العاصمة الريف ريف البلد بلد الضفة
    الحكومة المعارضة الرئاسة المحكمة البرلمان الجامعة المدرسة المستشفى الكلية المعهد الشركة الدولة
    اليوم أمس غدا الآن صباح مساء مساءا ليلة الليلة نهار النهار فجر الفجر ظهر الظهر عصر العصر مغرب
    رقة قيصرية رياض الرياضة رياضة كرة الكرة الملعب ملعب النادي نادي الفريق فريق المنتخب منتخب
    """
)

#: Arabic given names and family names that are also names of places (براك, نايف, جاسم, بشار,
#: رشيد, هند...). News names far more people than these places; same rule as common words.
ARABIC_GIVEN_NAMES = _words(
    """
    براك نايف جاسم الغانم غانم جمال رشيد الرشيد بشار عمران سعيد سعيدة رياض سلوى كريم كريمة آدم ادم
    القاسم قاسم الزبير زبير ديانا ماري مريم هند سحر فارس سامر سامي حمزة زياد ماجد خالد طلال فهد بدر
    سلمان ناصر الناصر عادل عمر عمار علي حسن حسين محمود أحمد احمد محمد مصطفى يوسف إبراهيم ابراهيم
    إسماعيل اسماعيل عيسى موسى هارون داود سليمان يحيى زكريا صالح الصالح منصور المنصور مبارك المبارك
    سالم مسلم راشد الراشد حمد الحمد فيصل الفيصل سعود السعود تركي التركي نواف بندر عبير لينا منى
    نادية ليلى ليلي سلمى رنا دانة دانه شيماء أسماء اسماء زينب فاطمة عائشة خديجة آمنة امنة جود
    الأمير الشيخ السيد صقر الصقر شاهين الشاهين غازي الغازي الخليفة خليفة نبيل منير جابر الجابر
    العلي الحسن الحسين الأحمد الاحمد المحمد الدوسري العنزي المطيري العتيبي الرشيدي الشمري الفضلي
    سمارة الهاجري العجمي الكندري البناي الصباح الخالد الناصر الفهد البدر العبدالله عبدالله
    """
)

#: Words right before an ambiguous Arabic word that say a place follows: locative prepositions
#: and the descriptors of settlements and divisions (normalised spellings; see ``normalize``).
ARABIC_PLACE_CUES = _words(
    """
    في الي الى إلى نحو داخل قرب بالقرب شمال جنوب شرق غرب وسط شمالي جنوبي شرقي غربي عاصمه مدينه
    بلده قريه محافظه ولايه اقليم مقاطعه منطقه امارة اماره جمهوريه مملكه دوله بمدينه بمحافظه لمدينه
    لمحافظه ومدينه ومحافظه بولايه بمنطقه لمنطقه ومنطقه بجنوب بشمال بشرق بغرب وجنوب وشمال وشرق
    وغرب حي بحي
    """
)

#: Descriptors of a first-level division before a name: ``محافظة بيروت`` is the governorate.
ARABIC_DIVISION_WORDS = _words("محافظه ولايه اقليم مقاطعه امارة اماره بمحافظه لمحافظه ومحافظه بولايه")
#: Descriptors of a settlement before a name: ``مدينة الكويت`` is the city.
ARABIC_SETTLEMENT_WORDS = _words("مدينه بلده قريه بمدينه لمدينه ومدينه")

#: English titles and honorifics: a one-word town right after one is a person (Mr Stewart,
#: President Lincoln, Gen. Allen).
HONORIFICS = _words(
    """
    mr mrs ms miss mx dr prof sir dame lord lady madam madame mister master rev reverend father
    sister brother pope saint cardinal bishop archbishop rabbi imam sheikh king queen prince
    princess duke duchess emperor sultan emir president vice premier chancellor minister secretary
    senator sen rep representative congressman congresswoman governor gov mayor councillor
    councilman councilwoman judge justice attorney ambassador commissioner chairman chairwoman
    chair ceo director officer sheriff deputy detective det inspector constable sergeant sgt
    lieutenant lt captain capt cpt commander cmdr colonel col major maj general gen admiral adm
    private pvt corporal cpl coach manager striker midfielder defender goalkeeper forward captain
    actor actress singer rapper author writer artist chef
    """
)

#: Verbs of speaking: a one-word small town right before or after one is a person ("Tyler said").
SPEECH_VERBS = _words(
    "said says say told tells added adds explained explains wrote writes tweeted asked asks replied noted"
)

#: Words that introduce a storm's name, which is a person's name and never a town there
#: ("Hurricane Harvey", "إعصار هارفي"); later bare mentions of the name are the storm too.
#: Arabic عاصفة is left out: it is any storm (عاصفة ترابية على الكويت), not a named one.
STORM_WORDS = _words(
    """
    hurricane typhoon cyclone storm tropical depression
    اعصار الاعصار واعصار باعصار
    """
)

#: English words after a one-word name that make it a division: "Benue State", "Punjab province".
ENGLISH_DIVISION_WORDS = _words("state province governorate region prefecture oblast territory")

#: English words, given names and surnames that are also the name of some small town (Buy,
#: Normal, Save, Martin, Taylor, Allen, Harvey...). A one-word match of a town that is not notable
#: and bears one of these is a place only after a locative word (in Tyler, near Martin) or before
#: ", State" (Paradise, California); anywhere else it is the word or a person.
ENGLISH_COMMON_NAMES = _words(
    """
    say same come god hit buy goes save mine normal gay pop cat drama liberal holiday mile manage
    semi roman olympic marks gap superior walk sake rugby hire crystal alliance pen pace hook fate
    begun fleet boom punch summit bow clay brick dig imperial yoga coin lens jam peer pearl horn
    sterling retreat bend humble savage tire roses manga mentor butterfly alot lend papa fountain
    bake anthem reservoir dome moss worms parole swords sparks moron turbo gore paramount plantation
    apex plaque midway jupiter dire cove cocoa manly laurel mascot seaside mustang walnut tame sedan
    plum vineyard annex plunge homestead tequila defiance converse badger prosper keystone torrent
    sire confederation evergreen groves panorama meridian hillside vicar mojo eureka shoreline ode
    canning anew overland horde sulphur posse orchards hickory ogre lakeside uptown free first
    second third human luck surprise commonwealth harmony friendship unity energy bliss pleasant
    content industry progress success triumph welcome why easy hazard accident boring cool chance
    victory justice patience faith charity grace hope joy mercy prosperity fortune lucky
    martin taylor kim bell adam wilson davis howard gary allen wayne anna anderson chelsea lawrence
    graham moore murray barry alice roy mitchell marshall parker leo campbell sue ron perry evans
    franklin wright harvey vincent mason kyle stuart murphy brad rogers lucas shaw harrison linda
    logan harper hudson palmer duncan bradley arnold mercedes bryan troy frederick adrian barnes
    carson sebastian leslie griffin roosevelt monroe hopkins garcia ferguson robertson hayes burke
    beverly lynn sherman vic marina donna bryant tracy lindsay marion tucker lopez johnston baldwin
    vernon thomson kanye kai hammond gardner norton leigh shirley gloria dixon clayton castro carey
    whitney vera teresa ada stella sidney patterson martinez torres nikki holt carlton perez katy
    morton alicia holden helena clive conway seymour mao lawson kendall hercules hale roth jasper
    isa bentley keller shelby hoover garner gil bowie ariel stanton randolph griffith dalton weir
    middleton buchanan foley weston suarez durant stirling amos sherwood sheridan ramos addison
    rubio buckley lola una orion garfield caldwell prescott livingston hutchinson dickinson boone
    quincy mandela mackay levin hannibal westbrook hartley alvin whitman bartlett cutler antony
    plato adler ramon dyer shelton dickson claudio morales dole clifton brody bethany thorne sanford
    rosenberg peabody godfrey eastwood draper blaine vulcan oakley lacey holloway granger cornelius
    dolores daphne taft rees rama radcliffe hobbs greer gladstone carmichael mari hawthorne calhoun
    zachary wharton mendes melville melo patti casper leland johnstone hays morley massey lennox
    cicero lamont paine balfour pickering niles hollis carney fatima woodrow pinto kant fergus
    cochrane pendleton kearney hurst willoughby levi paul adams li yang wan pan xie wang zhang liu
    chen huang zhao wu zhou xu sun zhu hu guo lin luo gao zheng cano michael douglas ben stanley
    milton viktoria villanueva stewart tyler chopin john james david robert william richard joseph
    thomas charles christopher
    daniel matthew anthony mark donald steven andrew kenneth joshua kevin brian george timothy
    ronald edward jason jeffrey ryan jacob nicholas eric jonathan stephen larry justin scott
    brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry tyler aaron
    jose henry nathan peter zachary kyle walter harold jeremy ethan carl keith roger gerald
    christian terry sean arthur austin noah lawrence jesse joe bryan billy jordan albert dylan
    bruce willie gabriel alan juan logan wayne ralph roy eugene randy vincent russell louis
    philip bobby johnny bradley mary patricia jennifer elizabeth barbara susan jessica sarah
    karen nancy lisa betty margaret sandra ashley dorothy kimberly emily donna michelle carol
    amanda melissa deborah stephanie rebecca laura sharon cynthia kathleen amy angela helen anna
    brenda pamela nicole emma samantha katherine christine debra rachel catherine carolyn janet
    ruth maria heather diane virginia julie joyce victoria olivia kelly christina lauren joan
    evelyn judith megan cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn
    sara janice jean alice madison doris abigail julia judy grace denise amber marilyn beverly
    danielle theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla
    smith johnson williams brown jones miller moore jackson white harris clark lewis robinson
    walker young king scott green baker nelson hill carter roberts turner phillips edwards
    collins stewart morris rogers reed cook morgan cooper peterson bailey reed kelly howard cox
    ward richardson watson brooks wood james bennett gray hughes price sanders myers long ross
    foster powell jenkins perry russell sullivan coleman butler barnes fisher henderson
    simmons jordan reynolds hamilton graham wallace west cole hayes gibson ellis stevens tucker
    porter hunter hicks crawford henry boyd mason warren dixon burns gordon shaw holmes rice
    robertson hunt black daniels palmer mills nichols grant knight ferguson rose stone hawkins
    dunn perkins hudson spencer gardner stephens payne pierce berry matthews arnold wagner
    willis ray watkins olson carroll duncan snyder hart cunningham bradley lane andrews ruiz
    harper fox riley armstrong carpenter weaver greene lawrence elliott chavez sims austin
    peters kelley franklin lawson fields ryan schmidt carr vasquez castillo wheeler chapman
    oliver montgomery richards williamson johnston banks meyer bishop mccoy howell alvarez
    morrison hansen fernandez garza harvey little burton stanley nguyen george jacobs reid fuller
    lynch dean gilbert garrett romero welch larson frazier burke hanson day mendoza moreno
    bowman medina fowler brewer hoffman carlson silva pearson holland douglas fleming jensen
    vargas byrd davidson hopkins may terry herrera wade soto walters curtis neal caldwell lowe
    jennings barnett graves jimenez horton shelton barrett obrien castro sutton gregory mckinney
    lucas miles craig rodriquez chambers holt lambert fletcher watts bates hale rhodes pena beck
    newman haynes mcdaniel mendez bush vaughn parks dawson santiago norris hardy love steele
    curry powers schultz barker guzman page munoz ball keller chandler weber leonard walsh lyons
    ramsey wolfe schneider mullins benson sharp bowen daniel barber cummings hines baldwin griffith
    valdez hubbard salazar reeves warner stevenson burgess santos tate cross garner mann mack moss
    thornton dennis mcgee farmer delgado aguilar vega glover manning cohen harmon rodgers robbins
    newton todd blair higgins ingram reese cannon strickland townsend potter goodwin walton rowe
    hampton ortega patton swanson joseph francis goodman maldonado yates becker erickson hodges
    rios conner adkins webster norman malone hammond flowers cobb moody quinn blake maxwell pope
    floyd osborne paul mccarthy guerrero lindsey estrada sandoval gibbs tyler gross fitzgerald
    stokes doyle sherman saunders wise colon gill alvarado greer padilla simon waters nunez
    ballard schwartz mcbride houston christensen klein pratt briggs parsons mclaughlin zimmerman
    french buchanan moran copeland roy pittman brady mccormick holloway brock poole frank logan
    owen bass marsh drake wong jefferson park morton abbott sparks patrick norton huff clayton
    massey lloyd figueroa carson bowers roberson barton tran lamb harrington casey boone cortez
    clarke mathis singleton wilkins cain bryan underwood hogan mckenzie collier luna phelps
    mcguire allison bridges wilkerson nash summers atkins
    """
)

#: English words right before a name that say a place follows: "in Tyler", "near Martin".
ENGLISH_PLACE_CUES = _words(
    "in at near from to into outside inside around across toward towards via between within off"
)
