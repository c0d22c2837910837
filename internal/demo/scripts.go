package demo

// audience says which buyers have a kind of conversation.
type audience int

const (
	anyone   audience = iota
	visitors          // anonymous visitors of the shop's site
	members           // the demo buyers, logged in on the shop's site
)

// mood is how a buyer tends to rate the conversation.
type mood int

const (
	pleased mood = iota // got an answer
	unsure              // was not understood, or waited
	upset               // came to complain
)

// Special buyer lines.
const (
	// tapChoice is the buyer tapping the first "did you mean" choice the
	// bot offered: the widget sends its question as the message.
	tapChoice = "<tap>"
	// suggestion is an agent sending the workbench's suggested reply (the
	// bot's best answer to the buyer's question), or, when the bot has
	// none, the script's next line.
	suggestion = "<suggest>"
)

// line is one message of the human part of a conversation, in a few
// wordings (the same place of every dialogue of a script has one).
type line struct {
	agent bool
	say   []string
}

func agent(say ...string) line { return line{agent: true, say: say} }
func buyer(say ...string) line { return line{say: say} }

// script is a kind of conversation buyers have with the demo shop: what
// they say to the bot and, should a person take over, what they and the
// agent say. Which replies the bot gives is not written here: the real
// pipeline decides when the script is first played (history.go).
type script struct {
	name   string
	weight float64 // how often, per hundred conversations by day
	night  float64 // the weight's factor out of working hours (0: 1, or 0.05 with a human part)
	who    audience
	// live scripts are about the buyer's own orders: they are played for
	// each buyer and only in the last day and a half (the demo's orders
	// are as of now).
	live    bool
	product string // the product the widget shows
	lines   []string
	human   []line // nil: the generic dialogue of the script's language
	en      bool
	mood    mood
}

// Human dialogues of a handover whose script has none: the agent greets,
// sends the workbench's suggestion (or asks), the buyer thanks them.
var (
	genericZH = []line{
		agent("您好，我是客服，很高兴为您服务～", "亲，您好，这边是人工客服，我来帮您看一下～", "您好～久等了，我来为您处理"),
		agent(suggestion, "亲，麻烦具体说一下您的问题，我马上帮您查～"),
		buyer("好的，谢谢", "明白了，谢谢", "好的"),
		agent("不客气，祝您购物愉快～", "感谢您的耐心，有问题随时找我们哦～"),
	}
	genericEN = []line{
		agent("Hi, this is our customer service team. Happy to help!", "Hello! A person here, let me take a look."),
		agent(suggestion, "Could you tell me a little more so I can check it for you?"),
		buyer("OK, thanks", "Great, thank you!"),
		agent("You're welcome! Have a nice day.", "Glad to help. Anything else, just ask."),
	}
	// askedForPerson is a buyer who asked for a person straight away and
	// says what they need once one is there.
	askedForPerson = []line{
		agent("您好，我是客服，请问有什么可以帮您？", "亲，您好～人工客服为您服务，请问需要什么帮助？"),
		buyer("我买的裤子长了，能换短一点的吗", "我想问下这件外套160穿什么码", "昨天下的单能不能一起发"),
		agent("可以的亲，我已经帮您备注好了，仓库会按备注处理～", "亲，这个我帮您确认过了，按您说的处理就可以哦～",
			"好的，已经帮您登记了，发货后会短信通知您～"),
		buyer("好的，谢谢", "太好了，谢谢～"),
		agent("不客气，祝您购物愉快～", "感谢支持，有问题随时找我们～"),
	}
	askedForPersonEN = []line{
		agent("Hi, you're talking to a person now. How can I help?"),
		buyer("I'd like to change the size of my order to M", "Can you ship my two orders together?"),
		agent("Done. I've noted it on your order and the warehouse will follow it.", "Sure, I've asked the warehouse to send them together."),
		buyer("Thanks!"),
		agent("You're welcome. Have a nice day!"),
	}
	complaintZH = []line{
		agent("亲，非常抱歉给您带来不好的体验，请问具体是什么问题呢？", "您好，实在抱歉，麻烦您说一下遇到的问题，我马上处理"),
		buyer("衣服洗了一次就起球了，太失望了", "收到的鞋子有开胶，质量太差了", "颜色和图片差太多了"),
		agent("非常抱歉！这边给您申请退货退款，运费由我们承担，再给您补偿一张10元无门槛券，您看可以吗？",
			"实在抱歉，我们马上给您换新，来回运费都由店铺承担，给您添麻烦了"),
		buyer("好吧", "那行吧，尽快处理", "好的"),
		agent("已经为您提交了，审核通过后会短信通知您，再次抱歉～", "处理好了，请留意短信通知，有问题随时找我"),
	}
	wholesaleZH = []line{
		agent("您好，批发和公司团购20件起有阶梯价，请问您需要哪款、大概多少件呢？"),
		buyer("工装夹克，大概50件，要印logo", "纯棉T恤，100件左右"),
		agent("好的，50件以上可以享受8折，印logo另算，我把报价单发到您留的邮箱，请留意查收～",
			"100件可以做到7.5折，含印字，我这边整理好报价单发给您～"),
		buyer("好的谢谢"),
		agent("不客气，期待合作～"),
	}
)

// Dialogues that answer the questions the demo FAQs do not cover, in the
// words agents use: the knowledge-gap page drafts FAQs from them.
var (
	overseasZH = []line{
		agent("亲，目前可以寄往加拿大、美国和港澳台，国际运费按重量计算，下单后客服会联系您补运费，一般10–15天送达～",
			"可以的亲～海外（加拿大、美国、港澳台）都能发，国际运费按重量另算，下单后我们联系您补差价，10到15天左右到"),
		buyer("好的，谢谢", "明白了，谢谢"),
		agent("不客气，有问题随时找我们～"),
	}
	overseasEN = []line{
		agent("Yes, we ship to Canada, the US, Hong Kong, Macau and Taiwan. International shipping is charged by weight after you order and takes 10-15 days.",
			"We do! Canada, the US and Hong Kong, Macau and Taiwan. We'll contact you for the shipping fee by weight; delivery takes 10-15 days."),
		buyer("Great, thanks"),
		agent("You're welcome!"),
	}
	invoiceTitleZH = []line{
		agent("可以的亲，下单时在“开具发票”里选择“单位”，填写公司全称和税号就可以，电子发票会在确认收货后发到您的邮箱～",
			"亲，发票抬头可以开公司，选“单位”抬头填公司名称和纳税人识别号即可；抬头开错了，确认收货后30天内可以联系我们重开～"),
		buyer("好的，谢谢", "知道了，谢谢"),
		agent("不客气～"),
	}
	invoiceTitleEN = []line{
		agent("Yes. At checkout choose a company invoice and enter the company name and tax number; the e-invoice is emailed after delivery."),
		buyer("Thank you"),
		agent("You're welcome!"),
	}
	giftWrapZH = []line{
		agent("可以的亲，下单时备注“礼品包装”，我们免费用品牌礼盒和丝带包好，还可以代写贺卡，备注贺卡内容就行～",
			"亲，支持免费礼品包装哦，备注“礼品包装”和贺卡内容，我们包好再发，不放价格单～"),
		buyer("好的，谢谢", "太好了"),
		agent("不客气，祝收礼的人喜欢～"),
	}
	agencyZH = []line{
		agent("亲，我们暂时不招代理和分销哦，公司或团体批量采购可以留下联系方式，采购同事会联系您～",
			"目前没有代理和分销的合作呢，批量采购的话可以给您对接采购同事哦～"),
		buyer("好的，知道了", "那好吧，谢谢"),
		agent("不客气～"),
	}
	tradeInZH = []line{
		agent("亲，线上暂时没有以旧换新，不过门店设有旧衣回收箱，投递旧衣可以领一张10元无门槛券，下次购物可用～",
			"我们目前没有以旧换新活动哦，旧衣服可以投到门店的回收箱，会送您10元无门槛券～"),
		buyer("好的，知道了", "那好吧，谢谢"),
		agent("不客气～"),
	}
	birthdayZH = []line{
		agent("亲，会员生日当月可以在会员中心领取一张8折生日券，还会送双倍积分哦，记得在生日月内使用～",
			"有的～会员生日当月在会员中心领生日礼券（8折），当月下单积分翻倍～"),
		buyer("好的，谢谢"),
		agent("不客气，提前祝您生日快乐～"),
	}
	birthdayEN = []line{
		agent("Members get a 20% birthday coupon in the member centre during their birthday month, and double points."),
		buyer("Nice, thanks"),
		agent("Happy early birthday!"),
	}
	paypalZH = []line{
		agent("亲，暂时不支持PayPal，可以用支付宝（支持国际信用卡）或者银联卡付款哦～",
			"目前不能用PayPal付款，支付宝绑定Visa、Mastercard等国际信用卡就可以付～"),
		buyer("好的，谢谢"),
		agent("不客气～"),
	}
	paypalEN = []line{
		agent("We don't take PayPal yet, but you can pay with Alipay using an international Visa or Mastercard."),
		buyer("OK, thanks"),
		agent("You're welcome!"),
	}
	videoZH = []line{
		agent("可以的亲，我这边马上给您拍一段实物视频，稍等几分钟～", "亲，实拍视频在商品详情页主图第一个就有，我再单独给您拍一段细节发过来～"),
		buyer("好的，谢谢"),
		agent("视频已经发您了，有问题再问我哦～"),
	}
)

// scripts are the kinds of conversation of the demo history, from what the
// demo shop's engine and pipeline do with them: answered from the FAQs
// and packs, keyword rules, "did you mean" (tapped or not), answers from
// the shop's data, questions nobody wrote a FAQ for, handovers.
var scripts = []script{
	// Answered from the shop's FAQs and the answer packs.
	{name: "ship-time", weight: 5, lines: []string{"什么时候发货", "谢谢"}},
	{name: "ship-time-q", weight: 3, lines: []string{"下单后多久发货？"}},
	{name: "greet-ship", weight: 2, lines: []string{"你好", "什么时候发货"}},
	{name: "arrive", weight: 4, lines: []string{"几天能到"}},
	{name: "today", weight: 3, lines: []string{"今天能发吗"}},
	{name: "courier", weight: 2, lines: []string{"发什么快递"}},
	{name: "sf", weight: 1.2, lines: []string{"加钱发顺丰可以吗"}},
	{name: "from-where", weight: 1.5, lines: []string{"从哪发货"}},
	{name: "same-city", weight: 0.8, lines: []string{"杭州能当天到吗"}},
	{name: "holiday", weight: 0.5, lines: []string{"过年发货吗"}},
	{name: "here-invoice", weight: 3, lines: []string{"在吗", "能开发票吗"}},
	{name: "invoice", weight: 2, lines: []string{"能开发票吗", "谢谢"}},
	{name: "invoice-combine", weight: 0.7, lines: []string{"多个订单开一张票"}},
	{name: "shrink", weight: 2, lines: []string{"会缩水吗"}},
	{name: "genuine", weight: 2, lines: []string{"你们是正品吗"}},
	{name: "bargain", weight: 2, lines: []string{"能便宜点吗"}},
	{name: "cod", weight: 1, lines: []string{"可以货到付款吗"}},
	{name: "installments", weight: 1, lines: []string{"能分期吗"}},
	{name: "corp-transfer", weight: 0.5, lines: []string{"能对公转账吗"}},
	{name: "pickup", weight: 1, lines: []string{"能自提吗"}},
	{name: "seven-day", weight: 2, lines: []string{"可以七天无理由吗"}},
	{name: "return-fee", weight: 1.5, lines: []string{"退货运费谁出"}},
	{name: "exchange", weight: 1.5, lines: []string{"能换货吗", "谢谢"}},
	{name: "return-addr", weight: 1, lines: []string{"退货地址发我一下"}},
	{name: "return-pickup", weight: 1.5, lines: []string{"退货可以上门取吗"}},
	{name: "member-return", weight: 1, lines: []string{"会员能退几天"}},
	{name: "shoebox", weight: 0.7, lines: []string{"鞋盒要退回吗"}},
	{name: "hem", weight: 1, lines: []string{"裤子太长能免费改短吗"}},
	{name: "down-wash", weight: 1.5, lines: []string{"羽绒服能水洗吗"}},
	{name: "white-shoes", weight: 1, lines: []string{"小白鞋怎么洗"}},
	{name: "student", weight: 1, lines: []string{"学生有优惠吗"}},
	{name: "newbie", weight: 1.5, lines: []string{"新人有优惠吗"}},
	{name: "live-stream", weight: 1, lines: []string{"什么时候直播"}},
	{name: "new-arrivals", weight: 1, lines: []string{"什么时候上新"}},
	{name: "review-cashback", weight: 0.8, lines: []string{"好评返现吗"}},
	{name: "embroidery", weight: 0.6, lines: []string{"能绣名字吗"}},
	{name: "couple", weight: 0.8, lines: []string{"有情侣款吗"}},
	{name: "hold", weight: 0.6, lines: []string{"帮我留一件"}},
	{name: "en-ship", weight: 1.5, en: true, lines: []string{"When will my order ship?"}},
	{name: "en-delivery", weight: 1, en: true, lines: []string{"How long does delivery take?", "Thanks"}},
	{name: "en-invoice", weight: 0.8, en: true, lines: []string{"Can I get an invoice?"}},
	{name: "en-gift-wrap", weight: 0.5, en: true, lines: []string{"Can you gift wrap it?"}},

	// The shop's keyword rules.
	{name: "free-shipping", weight: 4, lines: []string{"包邮吗"}},
	{name: "free-shipping-thanks", weight: 2, lines: []string{"包邮吗", "谢谢"}},
	{name: "coupon", weight: 3, lines: []string{"有优惠券吗"}},

	// "Did you mean": most buyers tap a choice, some leave.
	{name: "gift-pack-tap", weight: 1.5, lines: []string{"有礼品包装吗", tapChoice}},
	{name: "tag-cut-tap", weight: 1.5, lines: []string{"吊牌剪了还能退吗", tapChoice}},
	{name: "return-how-tap", weight: 1.5, lines: []string{"怎么退货", tapChoice}},
	{name: "huabei-tap", weight: 1, lines: []string{"花呗可以吗", tapChoice}},
	{name: "sf-cod-tap", weight: 0.6, lines: []string{"可以发顺丰到付吗", tapChoice}},
	{name: "en-free-ship-tap", weight: 0.6, en: true, lines: []string{"Do you offer free shipping?", tapChoice}},
	{name: "en-return-tap", weight: 0.6, en: true, lines: []string{"Can I return it?", tapChoice}},
	{name: "return-how-leave", weight: 0.8, lines: []string{"怎么退货"}, mood: unsure},

	// Answers from the shop's data: the product the widget shows, and
	// the logged-in buyer's orders.
	{name: "stock-coat", weight: 1.5, product: "P012", lines: []string{"这件还有货吗"}},
	{name: "stock-sneaker", weight: 1.2, product: "P018", lines: []string{"还有货吗"}},
	{name: "size-tee", weight: 2, product: "P001", lines: []string{"这件我穿什么码", "170cm 65kg"}},
	{name: "size-jeans", weight: 1.2, product: "P003", lines: []string{"160 50kg穿什么码"}},
	{name: "price-bag", weight: 0.8, product: "P021", lines: []string{"这个多少钱"}},
	{name: "which-product", weight: 1.5, lines: []string{"有大码吗"}, mood: unsure},
	{name: "visitor-parcel", weight: 1.2, who: visitors, lines: []string{"我的快递到哪了"}, mood: unsure},
	{name: "parcel", weight: 20, who: members, live: true, lines: []string{"我的快递到哪了"}},
	{name: "parcel-first", weight: 8, who: members, live: true, lines: []string{"我的订单到哪了", "第一个"}},
	{name: "refund", weight: 8, who: members, live: true, lines: []string{"退款到哪一步了"}},
	{name: "urge", weight: 5, who: members, live: true, lines: []string{"怎么还不发货！都三天了"}},
	{name: "cancel", weight: 4, who: members, live: true, lines: []string{"我想取消订单", "第一个"}},
	{name: "change-address", weight: 4, who: members, live: true, lines: []string{"能改地址吗"}},

	// Questions no FAQ answers: the bot falls back or offers choices, and
	// the buyer leaves or asks for a person, whose answers make drafts.
	{name: "canada", weight: 1.2, lines: []string{"能寄到加拿大吗", "转人工"}, human: overseasZH, mood: unsure},
	{name: "canada-2", weight: 0.8, lines: []string{"可以发货到加拿大吗", "人工客服"}, human: overseasZH, mood: unsure},
	{name: "canada-fee", weight: 0.6, lines: []string{"加拿大能寄吗？运费多少", "转人工"}, human: overseasZH, mood: unsure},
	{name: "us", weight: 0.6, lines: []string{"发美国吗", "转人工"}, human: overseasZH, mood: unsure},
	{name: "overseas", weight: 0.6, lines: []string{"海外可以发货吗"}, mood: unsure},
	{name: "hongkong", weight: 0.5, lines: []string{"能寄到香港吗", "转人工"}, human: overseasZH, mood: unsure},
	{name: "en-canada", weight: 0.6, en: true, lines: []string{"Do you ship to Canada?", "human please"}, human: overseasEN, mood: unsure},
	{name: "en-us", weight: 0.3, en: true, lines: []string{"Can you ship to the US?"}, mood: unsure},
	{name: "invoice-title", weight: 1, lines: []string{"发票抬头可以写公司名吗", "转人工"}, human: invoiceTitleZH, mood: unsure},
	{name: "invoice-title-2", weight: 0.8, lines: []string{"发票抬头怎么填", "人工"}, human: invoiceTitleZH, mood: unsure},
	{name: "invoice-title-wrong", weight: 0.4, lines: []string{"发票抬头写错了能改吗"}, human: invoiceTitleZH, mood: unsure},
	{name: "en-invoice-title", weight: 0.3, en: true, lines: []string{"Can the invoice be made out to my company?"}, mood: unsure},
	{name: "gift-wrap", weight: 0.8, lines: []string{"可以包装成礼物送人吗", "转人工"}, human: giftWrapZH, mood: unsure},
	{name: "gift-wrap-2", weight: 0.5, lines: []string{"能帮忙打包成礼品吗", "人工"}, human: giftWrapZH, mood: unsure},
	{name: "gift-pack-leave", weight: 0.5, lines: []string{"有礼品包装吗"}, mood: unsure},
	{name: "trade-in", weight: 0.6, lines: []string{"有以旧换新吗", "旧衣服能换新的吗"}, human: tradeInZH, mood: unsure},
	// Two questions nothing in the shop answers: the bot falls back twice
	// and hands over (reason misses).
	{name: "agency", weight: 0.5, lines: []string{"你们招代理吗", "你们招不招代理商"}, human: agencyZH, mood: unsure},
	{name: "recycle", weight: 0.5, lines: []string{"旧衣服可以回收吗", "转人工"}, human: tradeInZH, mood: unsure},
	{name: "birthday", weight: 0.6, lines: []string{"会员生日有福利吗", "转人工"}, human: birthdayZH, mood: unsure},
	{name: "birthday-2", weight: 0.4, lines: []string{"生日当月有折扣吗", "人工"}, human: birthdayZH, mood: unsure},
	{name: "birthday-leave", weight: 0.5, lines: []string{"生日有优惠吗"}, mood: unsure},
	{name: "en-birthday", weight: 0.3, en: true, lines: []string{"Do you have a birthday discount?", "human please"}, human: birthdayEN, mood: unsure},
	{name: "paypal", weight: 0.5, lines: []string{"可以用PayPal付款吗", "转人工"}, human: paypalZH, mood: unsure},
	{name: "en-paypal", weight: 0.4, en: true, lines: []string{"Can I pay with PayPal?", "agent"}, human: paypalEN, mood: unsure},
	{name: "video", weight: 0.8, lines: []string{"能发个实拍视频吗", "转人工"}, human: videoZH, mood: unsure},
	{name: "video-leave", weight: 0.6, lines: []string{"有没有实物视频"}, mood: unsure},

	// Handovers: asking for a person, complaints, wholesale.
	{name: "human", weight: 5, lines: []string{"转人工"}, human: askedForPerson},
	{name: "human-2", weight: 1.5, lines: []string{"人工客服"}, human: askedForPerson},
	{name: "en-human", weight: 0.8, en: true, lines: []string{"Talk to a human"}, human: askedForPersonEN},
	{name: "robot", weight: 0.3, night: 0.1, lines: []string{"你们客服是机器人吗，太差了"}, human: complaintZH, mood: upset},
	{name: "complaint", weight: 0.8, night: 0.1, lines: []string{"我要投诉"}, human: complaintZH, mood: upset},
	{name: "quality", weight: 1, night: 0.1, lines: []string{"质量太差了"}, human: complaintZH, mood: upset},
	{name: "wholesale", weight: 0.6, night: 0.05, lines: []string{"批发价多少"}, human: wholesaleZH},
}
