"""Small exports written for these tests, in the seed's format (never the seed's own prose)."""

# ruff: noqa: E501  (the format has one paragraph per line, however long)

KNEE_GUIDE = """\
Knee Pain After Running: What Helps

Knee Pain After Running: What Helps

Runners often feel a dull ache around the kneecap after long outings. Most of the time it settles with rest and a gradual return to training.

Common Causes

Three things come up again and again:

  • Increasing distance too quickly
  • Worn-out shoes
  • Weak hip muscles

When Should You See a Clinician?

See a clinician if the knee swells, locks or gives way.

Request Information Packet

Our free packet explains how we assess running injuries at the clinic!

Thanks for your interest!

Visit Our Clinic

We are open Monday to Saturday, and parking is free for patients.
"""

WALKING_SUMMARY = """\
Walking Programmes After Knee Surgery: New Trial Results

Walking Programmes After Knee Surgery: New Trial Results

Walking soon after a knee replacement is often recommended.

In a new trial, Okafor et al. randomised 200 patients to a supervised walking programme or usual care. Patients in the walking group reached their mobility goals sooner.

What It Means

Okafor et al. caution that the trial was small and ran at one hospital.

Source: Okafor, C.N., van der Berg, P., Lindqvist, A. et al. Walking programmes after knee replacement: a randomised controlled trial. BMC Musculoskelet Disord 21, 88 (2020). https://doi.org/10.1186/s12891-020-0000-0

Visit Our Clinic

We are open Monday to Saturday, and parking is free for patients.

Subscribe To Our Newsletter

Subscribe To Our Newsletter

Get our monthly round-up of patient guides.

You have Successfully Subscribed!

Request Information Packet

Our free packet explains how we assess running injuries at the clinic!

Thanks for your interest!

Request Information Packet

Our free packet explains how we assess running injuries at the clinic!

Thanks for your interest!
"""

# The text credits "Lee et al." while the Source: line lists other authors.
SLEEP_SUMMARY = """\
Sleep After Spinal Surgery

Sleep After Spinal Surgery

Lee et al. followed 80 patients for three months after spinal fusion.

Most slept through the night again within six weeks, Lee et al. report.

Source: Haddad RM, Tanaka Y. Sleep quality after lumbar fusion. J Spine Res. 2019;12(3):201-209. doi:10.5555/jsr.2019.0123
"""

PROMOTIONAL = """\
Regenerative Therapy for Tennis Elbow: A Breakthrough

Regenerative Therapy for Tennis Elbow: A Breakthrough

Regenerative therapy is a remarkable, revolutionary option for stubborn tennis elbow.

Why Patients Choose Us

Our revolutionary approach is transforming recovery.

References and Further Reading

Start with these:

  1. Tendon healing and injections:
  2. Elbow pain in athletes:

Ask us about any of them.
"""

EXPORT = KNEE_GUIDE + "\n" + WALKING_SUMMARY + "\n" + SLEEP_SUMMARY + "\n" + PROMOTIONAL

# A summary the gate has nothing to block: one study, named as its source names it, cited.
BALANCE_SUMMARY = """\
Balance Classes and Falls

Balance Classes and Falls

In a trial, Okafor et al. found that weekly balance classes cut falls among older adults.

Source: Okafor, C.N., van der Berg, P., Lindqvist, A. et al. Balance classes for older adults: a randomised controlled trial. BMC Geriatr 21, 88 (2020). https://doi.org/10.1186/s12877-020-0000-0
"""
