"""Reference lists used by the statutory returns."""

# Children in Need census ethnicity codes.
ETHNICITY_CHOICES = [
    ("WBRI", "White: British"),
    ("WIRI", "White: Irish"),
    ("WIRT", "White: Traveller of Irish heritage"),
    ("WROM", "White: Gypsy or Roma"),
    ("WOTH", "White: any other White background"),
    ("MWBC", "Mixed: White and Black Caribbean"),
    ("MWBA", "Mixed: White and Black African"),
    ("MWAS", "Mixed: White and Asian"),
    ("MOTH", "Mixed: any other mixed background"),
    ("AIND", "Asian or Asian British: Indian"),
    ("APKN", "Asian or Asian British: Pakistani"),
    ("ABAN", "Asian or Asian British: Bangladeshi"),
    ("AOTH", "Asian or Asian British: any other Asian background"),
    ("BCRB", "Black or Black British: Caribbean"),
    ("BAFR", "Black or Black British: African"),
    ("BOTH", "Black or Black British: any other Black background"),
    ("CHNE", "Chinese"),
    ("OOTH", "Any other ethnic group"),
    ("REFU", "Refused"),
    ("NOBT", "Information not yet obtained"),
]
ETHNICITY_CODES = frozenset(code for code, _ in ETHNICITY_CHOICES)


# --- The Children in Need census code set (2026 to 2027) ------------------------------
# The codes are those the DfE's validation rules accept (checked against the public
# validator of those rules, data-to-insight's csc-validator-be-cin, rules 8866, 8650,
# 8640, 8540, 8770Q, 8772, 8869); the labels are the code set's descriptions.

REFERRAL_SOURCE_CHOICES = [
    ("1A", "Individual: family member, relative or carer"),
    ("1B", "Individual: acquaintance (including neighbours and childminders)"),
    ("1C", "Individual: self"),
    ("1D", "Individual: other (including strangers and MPs)"),
    ("2A", "Schools"),
    ("2B", "Education services"),
    ("3A", "Health services: GP"),
    ("3B", "Health services: health visitor"),
    ("3C", "Health services: school nurse"),
    ("3D", "Health services: other primary health services"),
    ("3E", "Health services: A&E (emergency department)"),
    ("3F", "Health services: other (for example a hospice)"),
    ("4", "Housing (local authority housing or a housing association)"),
    ("5A", "Local authority services: social care (for example adult social care)"),
    ("5B", "Local authority services: other internal (for example youth justice)"),
    ("5C", "Local authority services: external (for example another authority)"),
    ("5D", "Early help"),
    ("6", "Police"),
    ("7", "Other legal agency (courts, probation, immigration, Cafcass, prison)"),
    ("8", "Other (children's centres, independent providers, voluntary organisations)"),
    ("9", "Anonymous"),
    ("10", "Unknown"),
]

# N8 is absent parenting and N9 cases other than children in need in the census code
# set (DOMAIN.md's summary names N9 as absent parenting: the code set wins).
PRIMARY_NEED_CHOICES = [
    ("N1", "Abuse or neglect"),
    ("N2", "Child's disability or illness"),
    ("N3", "Parental disability or illness"),
    ("N4", "Family in acute stress"),
    ("N5", "Family dysfunction"),
    ("N6", "Socially unacceptable behaviour"),
    ("N7", "Low income"),
    ("N8", "Absent parenting"),
    ("N9", "Cases other than children in need"),
]

# The census has RC1 to RC9: RC9 (closed after assessment, referred to early help) came
# after RC8.
CLOSURE_REASON_CHOICES = [
    ("RC1", "Adopted"),
    ("RC2", "Died"),
    ("RC3", "Child arrangements order"),
    ("RC4", "Special guardianship order"),
    ("RC5", "Transferred to services of another local authority"),
    ("RC6", "Transferred to adult social services"),
    ("RC7", "Services ceased for any other reason, including child no longer in need"),
    ("RC8", "Case closed after assessment, no further action"),
    ("RC9", "Case closed after assessment, referred to early help"),
]

DISABILITY_CHOICES = [
    ("NONE", "No disability"),
    ("MOB", "Mobility"),
    ("HAND", "Hand function"),
    ("PC", "Personal care"),
    ("INC", "Incontinence"),
    ("COMM", "Communication"),
    ("LD", "Learning"),
    ("HEAR", "Hearing"),
    ("VIS", "Vision"),
    ("BEH", "Behaviour"),
    ("CON", "Consciousness"),
    ("AUT", "Diagnosed with autism or Asperger syndrome"),
    ("DDA", "Other disability under the Equality Act"),
]
DISABILITY_CODES = frozenset(code for code, _ in DISABILITY_CHOICES)

UPN_UNKNOWN_CHOICES = [
    ("UN1", "Child is under 6 years old and is not yet assigned a UPN"),
    ("UN2", "Child has never attended a state-funded school in England"),
    ("UN3", "Child is educated outside England and has no UPN"),
    ("UN4", "Child has moved here and the UPN is not yet known"),
    ("UN5", "Sources give an incomplete or inconsistent UPN"),
    ("UN6", "Child is aged 16 or over and has left school"),
    ("UN7", "Referral with no further action"),
    ("UN8", "Child is unborn"),
    ("UN9", "Child is newly arrived in England and not yet at school"),
    ("UN10", "Child is educated at home and has no UPN"),
]

ASSESSMENT_FACTOR_CHOICES = [
    ("1A", "Alcohol misuse: concerns about the child"),
    ("1B", "Alcohol misuse: concerns about the parent or carer"),
    ("1C", "Alcohol misuse: concerns about another person in the household"),
    ("2A", "Drug misuse: concerns about the child"),
    ("2B", "Drug misuse: concerns about the parent or carer"),
    ("2C", "Drug misuse: concerns about another person in the household"),
    ("3A", "Domestic abuse: concerns about the child"),
    ("3B", "Domestic abuse: concerns about the parent or carer"),
    ("3C", "Domestic abuse: concerns about another person in the household"),
    ("4A", "Mental health: concerns about the child"),
    ("4B", "Mental health: concerns about the parent or carer"),
    ("4C", "Mental health: concerns about another person in the household"),
    ("5A", "Learning disability: concerns about the child"),
    ("5B", "Learning disability: concerns about the parent or carer"),
    ("5C", "Learning disability: concerns about another person in the household"),
    ("6A", "Physical disability or illness: concerns about the child"),
    ("6B", "Physical disability or illness: concerns about the parent or carer"),
    ("6C", "Physical disability or illness: concerns about another person in the household"),
    ("7A", "Young carer"),
    ("8B", "Privately fostered: overseas child who intends to return"),
    ("8C", "Privately fostered: overseas child who intends to stay"),
    ("8D", "Privately fostered: UK child in independent school"),
    ("8E", "Privately fostered: UK child making alternative family arrangements"),
    ("8F", "Privately fostered: other"),
    ("9A", "Unaccompanied asylum-seeking child"),
    ("10A", "Going missing"),
    ("11A", "Child sexual exploitation"),
    ("12A", "Trafficking"),
    ("13A", "Gangs"),
    ("14A", "Socially unacceptable behaviour"),
    ("15A", "Self-harm"),
    ("16A", "Neglect"),
    ("17A", "Emotional abuse"),
    ("18B", "Physical abuse: child on child"),
    ("18C", "Physical abuse: adult on child"),
    ("19B", "Sexual abuse: child on child"),
    ("19C", "Sexual abuse: adult on child"),
    ("20", "Other"),
    ("21", "No factors identified"),
    ("22A", "Female genital mutilation"),
    ("23A", "Abuse linked to faith or belief"),
    ("24A", "Radicalisation"),
]
ASSESSMENT_FACTOR_CODES = frozenset(code for code, _ in ASSESSMENT_FACTOR_CHOICES)
NO_FACTORS_IDENTIFIED = "21"
