# mailsec quickstart: enable S/MIME and forced TLS, as an Exchange admin would type it.
# Paths are relative to this script. Nothing here touches a server: the commands change the
# desired state (mailsec.yaml); `mailsec plan` and `mailsec apply` make the backends match it.

# 1. Publish the CAs S/MIME certificates are trusted through: ours and our partner's.
Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))

# 2. Publish baptiste's certificate on his mailbox, so others can encrypt to him.
Set-Mailbox -Identity baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer'))

# 3. A partner who exchanges encrypted mail with us: a mail contact with the partner's certificate.
New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com
Set-MailContact -Identity CravateRouge_SMIME -UserCertificate ([System.IO.File]::ReadAllBytes('input/partner.cer'))

# 4. Forced TLS to the partner: the certificate must be valid and name mail.cravaterouge.com.
New-OutboundConnector -Name "CravateRouge TLS" -RecipientDomains cravaterouge.com `
    -TlsSettings DomainValidation -TlsDomain mail.cravaterouge.com

# 5. Read them back.
Get-Mailbox -Identity baptiste
Get-MailContact -Identity CravateRouge_SMIME
Get-OutboundConnector
