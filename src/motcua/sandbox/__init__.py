"""Stand-ins for the partners motcua talks to, speaking the same protocols over real HTTP on 127.0.0.1.

Used by the tests and the demo; never imported by the domain apps. Standard library only.
"""
