"""Personal data under UK GDPR: subject access export, erasure, retention and the audit view.

Everything here is plain Python over the models and services, called alike by the CLI
(``ittdesk person export|erase``, ``ittdesk retention``, ``ittdesk audit``) and the GUI.
"""
