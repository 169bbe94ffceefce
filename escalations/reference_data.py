"""The three policies and the categories of the four policy documents, as data.

Where a document gives no time limit (S-Club's general Escalation Process), the limits of its
sibling document (Complex Inquiries) are used; admins can change them.
"""

from datetime import time
from decimal import Decimal

from escalations.choices import ClockAnchor, ClockKind

H = ClockKind.CALENDAR_HOURS
BD = ClockKind.BUSINESS_DAYS
OPENED = ClockAnchor.CASE_OPENED
ENTERED = ClockAnchor.TIER_ENTERED

# slug: (name, description, [(level, name, owner, informed, action, outcomes,
#                              limit, target, kind, anchor)])
TierRow = tuple[int, str, str, list[str], str, str, Decimal | None, Decimal | None, str, str]
POLICIES: dict[str, tuple[str, str, list[TierRow]]] = {
    "eezee-operations": (
        "Eezee Operations Escalation Policy",
        "Resolve order issues in the Eezee marketplace (out of stock, long lead times, end-of-life "
        "products). Times are counted from the initial notification.",
        [
            (1, "Team Lead", "team-lead", ["team-lead"],
             "Assess the issue and initiate preliminary steps to resolve it.",
             "Resolved, or escalated to the Assistant Manager after 24 hours.",
             Decimal(24), None, H, OPENED),
            (2, "Assistant Manager", "assistant-manager", ["assistant-manager", "team-lead"],
             "Review the situation, provide guidance, collaborate with relevant teams.",
             "Resolved, or escalated to the Manager 48 hours after the initial notification.",
             Decimal(48), None, H, OPENED),
            (3, "Manager", "manager", ["manager", "assistant-manager"],
             "Thorough assessment, cross-functional teams, strategic measures.",
             "Resolved, or escalated to the Head of Operations after 72 hours.",
             Decimal(72), None, H, OPENED),
            (4, "Head of Operations", "head-of-operations", ["head-of-operations", "manager"],
             "Decisive action, coordinating with executive stakeholders if necessary.",
             "Satisfactory resolution and prevention of recurrence.",
             None, None, H, OPENED),
        ],
    ),
    "sclub-escalation-process": (
        "S-Club Escalation Process",
        "Critical issues, urgent service concerns and unresolved disputes, escalated through the "
        "Helpdesk or HubSpot Tickets. The document sets no response times; those of the Complex "
        "Inquiries process are used.",
        [
            (1, "Team Lead / Direct Supervisor", "team-lead", ["team-lead", "supervisor"],
             "Initial issue resolution: task reassignment, service corrections, minor disputes.",
             "Resolved, or escalated to the Department Manager.",
             Decimal(1), None, BD, ENTERED),
            (2, "Department Manager", "department-manager", ["department-manager"],
             "Service policy reviews, task realignment, compliance checks, operational audits, "
             "technical fixes.",
             "Resolved, or escalated to Senior Management.",
             Decimal(3), Decimal(2), BD, ENTERED),
            (3, "Senior Management / Executive Team", "senior-management",
             ["senior-management", "executive"],
             "Complex issues affecting company-wide operations; approves critical resolutions "
             "involving legal or contractual adjustments.",
             "Critical resolutions, legal or contractual adjustments.",
             None, None, BD, ENTERED),
        ],
    ),
    "sclub-complex-inquiries": (
        "S-Club Escalation for Complex Inquiries",
        "Challenging service issues and unresolved customer concerns, reviewed level by level. "
        "Response times are business days from entering each level.",
        [
            (1, "Frontline Support Agent Review", "agent", ["agent", "supervisor"],
             "The assigned Helpdesk agent reviews and reattempts resolution using advanced "
             "troubleshooting methods.",
             "Issue resolved or forwarded to the next level.",
             Decimal(1), None, BD, ENTERED),
            (2, "Supervisor Intervention", "supervisor", ["supervisor"],
             "A Helpdesk supervisor conducts an in-depth review and coordinates with relevant "
             "teams.",
             "Solution implemented or case escalated to senior management.",
             Decimal(3), Decimal(2), BD, ENTERED),
            (3, "Senior Management Review", "senior-management",
             ["senior-management", "department-manager"],
             "Department managers or senior executives evaluate the case and approve corrective "
             "actions.",
             "Policy adjustments, custom resolutions, or special task reassignments.",
             Decimal(5), Decimal(3), BD, ENTERED),
            (4, "Executive and Legal Oversight", "executive", ["executive", "legal"],
             "Executive management and legal teams handle disputes with potential legal or "
             "regulatory implications.",
             "Binding resolutions, contract amendments, or compliance reviews.",
             None, None, BD, ENTERED),
        ],
    ),
}

# Working hours of every policy (Mon-Fri 09:00-18:00); the documents name none.
WORKING_HOURS = [(day, time(9), time(18)) for day in range(5)]

# Risk tightens the clock (policy slug: {risk: percent}). Only Complex Inquiries, which handles
# the "When to escalate" cases rated for Negative Experience Risk, tightens by default.
RISK_ADJUSTMENTS = {"sclub-complex-inquiries": {5: 50, 4: 75}}

EEZEE = "Eezee escalation policy"
PROCESS = "S-Club Escalation Process"
COMPLEX = "S-Club Escalation for Complex Inquiries"
WHEN = "When to Escalate a Case"

# name, slug, policy slug, default tier, confidential, source, guidance
CATEGORIES = [
    ("Out of stock", "out-of-stock", "eezee-operations", 1, False, EEZEE,
     "An ordered item is out of stock. The team lead responsible for order management is "
     "notified immediately and starts resolving; unresolved after 24 hours it goes to the "
     "Assistant Manager."),
    ("Long lead time", "long-lead-time", "eezee-operations", 1, False, EEZEE,
     "The supplier's lead time puts the order's delivery at risk. Notify the team lead at once."),
    ("End-of-life product", "end-of-life-product", "eezee-operations", 1, False, EEZEE,
     "The ordered product is discontinued (end of life). Notify the team lead at once."),
    ("Service disruption", "service-disruption", "sclub-escalation-process", 1, False, PROCESS,
     "Delays, missed deadlines, or job failures."),
    ("Policy violation", "policy-violation", "sclub-escalation-process", 1, False, PROCESS,
     "Non-compliance with company policies or service agreements."),
    ("Technical issue", "technical-issue", "sclub-escalation-process", 1, False, PROCESS,
     "System outages, platform errors, or unresolved technical problems."),
    ("Customer complaint", "customer-complaint", "sclub-escalation-process", 1, False, PROCESS,
     "Serious customer grievances requiring higher-level intervention."),
    ("Dispute resolution failure", "dispute-resolution-failure", "sclub-escalation-process", 1,
     False, PROCESS, "When initial resolution attempts are unsuccessful."),
    ("Unresolved issue", "unresolved-issue", "sclub-complex-inquiries", 1, False, COMPLEX,
     "Initial attempts to resolve the inquiry through standard processes are unsuccessful."),
    ("Service interruption", "service-interruption", "sclub-complex-inquiries", 1, False, COMPLEX,
     "Major service failures or task delays affect customers significantly."),
    ("Policy dispute", "policy-dispute", "sclub-complex-inquiries", 1, False, COMPLEX,
     "Complex policy clarifications or contract disputes arise."),
    ("Technical malfunction", "technical-malfunction", "sclub-complex-inquiries", 1, False,
     COMPLEX, "Persistent technical issues require specialized troubleshooting."),
    ("Compliance & legal", "compliance-legal", "sclub-complex-inquiries", 4, True, COMPLEX,
     "Issues involving compliance violations, legal concerns, or sensitive data breaches. Goes "
     "straight to Executive and Legal oversight and is confidential."),
    ("Fraud / scam accusation", "fraud-scam-accusation", "sclub-complex-inquiries", 2, False,
     WHEN, "A customer accuses the company of being a scam or thieves, or raises concerns about "
     "counterfeit or fake products. Escalate immediately: it goes straight to a supervisor."),
    ("Severe product quality", "severe-product-quality", "sclub-complex-inquiries", 1, False,
     WHEN, "The customer is highly irate over the quality of the product, especially for "
     "high-value orders: potential reputational damage."),
    ("Integrity concern", "integrity-concern", "sclub-complex-inquiries", 1, False, WHEN,
     "The customer questions the honesty or integrity of the company, including allegations "
     "about our business practices."),
    ("Payment issue", "payment-issue", "sclub-complex-inquiries", 1, False, WHEN,
     "Disputed charges, unauthorized transactions, or failed payments that cannot be resolved "
     "at the agent level."),
    ("Drop shipping concern", "drop-shipping-concern", "sclub-complex-inquiries", 1, False, WHEN,
     "The customer raises issues about drop shipping or is dissatisfied with fulfilment methods."),
    ("Negative review threat", "negative-review-threat", "sclub-complex-inquiries", 1, False,
     WHEN, "The customer threatens a negative review on a public platform (Trustpilot, Google "
     "reviews). Address it swiftly to protect the company's reputation."),
    ("Profane or abusive language", "profane-abusive-language", "sclub-complex-inquiries", 1,
     False, WHEN, "The customer uses profanity or abusive language; handle it appropriately "
     "while keeping professional standards."),
    ("Unresolved complaint / agent-related issue", "unresolved-complaint-agent-issue",
     "sclub-complex-inquiries", 1, False, WHEN,
     "The customer remains dissatisfied with the resolution, or complains about an agent "
     "(behaviour, communication)."),
    ("Supervisor intervention", "supervisor-intervention", "sclub-complex-inquiries", 2, False,
     WHEN, "You believe supervisor intervention is necessary even if not covered above: your "
     "judgment is valuable. Goes straight to a supervisor."),
]

ESCALATION_PROCEDURE = (
    "Document the case thoroughly (customer details, order history, your assessment), log it "
    "here, rate its Negative Experience Risk from 1 to 5 (5 most critical), and tag the "
    "appropriate supervisor with the ticket ID."
)
