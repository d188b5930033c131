# TLS connectors for a self-hosted Postfix gateway, typed as an Exchange admin would.
# `mailsec plan` shows the Postfix tables and main.cf keys this makes; `mailsec apply` writes them.

# Forced TLS with the partner's name checked: secure match=mail.cravaterouge.com
New-OutboundConnector -Name "CravateRouge TLS" -RecipientDomains cravaterouge.com, *.cravaterouge.com `
    -TlsSettings DomainValidation -TlsDomain mail.cravaterouge.com

# Encrypted, any certificate: encrypt
New-OutboundConnector -Name "Fabrikam encrypted" -RecipientDomains fabrikam.example -TlsSettings EncryptionOnly

# A trusted chain: Postfix's closest level is verify (it also checks the MX host name; plan says so).
New-OutboundConnector -Name "Tailspin verified" -RecipientDomains tailspin.example -TlsSettings CertificateValidation

# Mail for the bank goes through its relays, which must present a certificate for *.bank.example.
New-OutboundConnector -Name "Bank relay" -RecipientDomains bank.example -UseMXRecord $false `
    -SmartHosts relay1.bank.example, relay2.bank.example `
    -TlsSettings DomainValidation -TlsDomain *.bank.example

# Partners whose mail to us must arrive over TLS: reject_plaintext_session
New-InboundConnector -Name "Partners require TLS" -SenderDomains cravaterouge.com, fabrikam.example -RequireTls $true

Get-OutboundConnector | Format-Table Name, RecipientDomains, SmartHosts, TlsSettings, TlsDomain
